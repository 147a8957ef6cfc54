"""The collected corpus: normalising, locating, validating references and rebuilding texts."""

import hashlib
import json
import subprocess

import pytest
from typer.testing import CliRunner

from billwatch.cli import app
from classifier.corpus import (
    TEST_PASSAGES,
    CorpusError,
    bill_key,
    build,
    decode_json_escapes,
    find_git_dir,
    load_references,
    locate,
    normalise,
    sha256_text,
    stats,
)
from classifier.data import read_bills

runner = CliRunner()

# Hand-written bill texts for a tiny mirror; nothing here is copied from a real bill.
BILL_TXT = (
    "AN ACT relating to offenses; creating the offense of\n  loitering near a depot.\n\n"
    "Section 1. A person commits loitering near a depot if the person remains within\n"
    "fifty feet of a depot after a warning.   Loitering near a depot is a class B misdemeanor.\n"
    "Section 2. The department shall post a notice in every depot.\n"
)
BILL_HTML = (
    "<html><body><p>Section 1. A survivor may bring a <b>civil action</b> for damages"
    " <u>and costs</u> &amp; fees.</p>\n<p>Section 2. This act takes effect <s>July 1</s> "
    "<u>January 1</u>.</p></body></html>"
)
# A scraper's JSON record: the bill's text is JSON string content, escapes and all.
JSON_TEXT = "Section 1. A person is guilty of loitering.\n\n(b) It is a \u00a7 1 defense."
BILL_JSON = json.dumps({"bill": "HB 3", "text": JSON_TEXT})
BILL_XML = "<?xml version='1.0'?>\n<document><p>Section 1. A survivor may sue.</p></document>\n"
PENALTY = (
    "Section 1. A person commits loitering near a depot if the person remains within fifty "
    "feet of a depot after a warning. Loitering near a depot is a class B misdemeanor."
)
NOTICE = "Section 2. The department shall post a notice in every depot."


def _git(repo_dir, *args):
    return subprocess.run(
        ["git", "-C", str(repo_dir), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture()
def mirror(tmp_path):
    """A mirrors folder holding one bare repository `someone/bills`, as fetch lays it out."""
    work = tmp_path / "work"
    (work / "tx").mkdir(parents=True)
    (work / "tx" / "hb1.txt").write_text(BILL_TXT, encoding="utf-8")
    (work / "dc" / "b2.html").parent.mkdir()
    (work / "dc" / "b2.html").write_text(BILL_HTML, encoding="utf-8")
    (work / "dc" / "b3.xml").write_text(BILL_XML, encoding="utf-8")
    (work / "sd").mkdir()
    (work / "sd" / "hb3.json").write_text(BILL_JSON, encoding="utf-8")
    _git(work, "init", "-q")
    _git(work, "add", ".")
    _git(
        work,
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.org",
        "commit",
        "-q",
        "-m",
        "bills",
    )
    commit = _git(work, "rev-parse", "HEAD")
    mirrors = tmp_path / "mirrors"
    (mirrors / "someone+bills").mkdir(parents=True)
    subprocess.run(
        ["git", "clone", "-q", "--bare", str(work), str(mirrors / "someone+bills" / "repo")],
        check=True,
        capture_output=True,
    )
    return mirrors, commit


def _passage(commit, text, document, pid="t-0001", path="tx/hb1.txt", **extra):
    start = document.index(text)
    row = {
        "id": pid,
        "jurisdiction": "TX",
        "bill": "HB 1",
        "year": 2024,
        "source": {"repo": "someone/bills", "commit": commit, "path": path},
        "start": start,
        "end": start + len(text),
        "sha256": sha256_text(text),
        "labels": ["penalty_increase"],
        "kind": "passage",
        "rationale": "Creates a loitering misdemeanor.",
    }
    row.update(extra)
    return row


def _bill_ref():
    """A whole-bill reference, labelled civil_remedies."""
    return {
        "id": "t-b001",
        "jurisdiction": "DC",
        "bill": "B 2",
        "year": None,
        "source": {"repo": "a/b", "commit": "0" * 40, "path": "b.html"},
        "sha256_file": "0" * 64,
        "labels": ["civil_remedies"],
        "support": {"civil_remedies": [[0, 5]]},
        "rationale": "A civil action.",
    }


def _write(corpus, name, rows):
    corpus.mkdir(exist_ok=True)
    (corpus / name).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_normalise_strips_markup_only_from_markup_files():
    assert normalise(b"<p>a &amp;\n\n b</p>", "x.html") == "a & b"
    assert normalise(b"<p>a &amp;\n\n b</p>", "x.txt") == "<p>a &amp; b</p>"
    assert normalise("caf\u00e9\t\u00a0x ".encode(), "x.md") == "caf\u00e9 x"
    assert normalise(b"\xffok", "x.txt") == "\ufffdok"


def test_json_string_escapes_are_decoded_only_in_json_files():
    raw = r"fee.\n\n(b) \"x\" \u00a7 1 \ud83d\ude00 \\ \ud800"
    decoded = 'fee.\n\n(b) "x" \u00a7 1 \U0001f600 \\ \ufffd'
    assert decode_json_escapes(raw, "sd/hb3.json") == decoded
    assert decode_json_escapes(raw, "tx/hb1.md") == raw


def test_build_gives_json_passages_as_they_read(tmp_path, mirror):
    mirrors, commit = mirror
    document = normalise(BILL_JSON.encode(), "sd/hb3.json")
    raw = r"A person is guilty of loitering.\n\n(b) It is a \u00a7 1 defense."
    row = _passage(commit, raw, document, path="sd/hb3.json")
    _write(tmp_path / "corpus", "passages-t.jsonl", [row])
    report = build(tmp_path / "corpus", mirrors, tmp_path / "out")
    assert report.ok, report.problems()
    row = json.loads((tmp_path / "out" / "passages.jsonl").read_text(encoding="utf-8"))
    assert row["text"] == JSON_TEXT.removeprefix("Section 1. ")


def test_locate_is_whitespace_insensitive_and_refuses_ambiguity():
    doc = normalise(BILL_TXT.encode(), "a.txt")
    found = locate(doc, "Loitering near a depot   is a class B\nmisdemeanor.")
    assert doc[found.start : found.end] == found.text
    assert found.sha256 == hashlib.sha256(found.text.encode()).hexdigest()
    with pytest.raises(ValueError, match="occurs 3 times"):
        locate(doc, "near a depot")
    assert locate(doc, "near a depot", occurrence=2).start > locate(doc, "near a depot", 1).start
    with pytest.raises(ValueError, match="not in the document"):
        locate(doc, "felony")


def test_bill_key_ignores_spacing_dots_and_leading_zeros():
    assert bill_key("mo", "H.B. 0012") == bill_key("MO", "HB12") == ("MO", "HB12")
    assert bill_key("MO", "HB 120") != bill_key("MO", "HB 12")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"labels": ["penalty_increase", "made_up"]}, "unknown tags"),
        ({"kind": "hard_negative"}, "hard_negative carries no labels"),
        ({"jurisdiction": "XX"}, "unknown jurisdiction"),
        ({"start": 10, "end": 10}, "start < end"),
        ({"sha256": "abc"}, "sha256 must be"),
        ({"source": {"repo": "x", "commit": "0" * 40, "path": "a"}}, "owner/name"),
        ({"source": {"repo": "a/b", "commit": "0" * 40, "path": "../a"}}, "not a path"),
        ({"year": "2024"}, "year must be"),
        ({"rationale": ""}, "rationale"),
    ],
)
def test_a_bad_reference_is_refused_with_file_and_line(tmp_path, change, message):
    doc = normalise(BILL_TXT.encode(), "a.txt")
    good = _passage("0" * 40, PENALTY, doc)
    _write(tmp_path, "passages-t.jsonl", [good, {**good, "id": "t-0002", **change}])
    with pytest.raises(CorpusError, match=message) as info:
        load_references(tmp_path)
    assert "passages-t.jsonl:2:" in str(info.value)


def test_ids_are_unique_and_whole_bills_give_no_passages(tmp_path):
    doc = normalise(BILL_TXT.encode(), "a.txt")
    row = _passage("0" * 40, PENALTY, doc)
    _write(tmp_path, "passages-t.jsonl", [row, row])
    with pytest.raises(CorpusError, match="t-0001 is also used"):
        load_references(tmp_path)
    _write(tmp_path, "passages-t.jsonl", [row])
    bill = {
        **{k: row[k] for k in ("jurisdiction", "year", "source", "labels", "rationale")},
        "id": "t-b001",
        "bill": "H.B. 1",
        "sha256_file": "0" * 64,
        "support": {"penalty_increase": [[0, 10]]},
    }
    _write(tmp_path, "bills-t.jsonl", [bill])
    with pytest.raises(CorpusError, match="labelled as a whole bill"):
        load_references(tmp_path)


def test_bill_support_must_cover_every_label(tmp_path):
    bill = {**_bill_ref(), "labels": ["civil_remedies", "prevention"]}
    _write(tmp_path, "bills-t.jsonl", [bill])
    with pytest.raises(CorpusError, match=r"bills-t.jsonl:1: labels without support.*prevention"):
        load_references(tmp_path)


def test_a_bill_is_in_the_train_split_unless_held_out_as_test(tmp_path):
    bill = _bill_ref()
    held = {**bill, "id": "t-b002", "bill": "B 3", "split": "test"}
    _write(tmp_path, "bills-t.jsonl", [bill, held])
    assert [b.split for b in load_references(tmp_path).bills] == ["train", "test"]
    _write(tmp_path, "bills-t.jsonl", [{**held, "split": "validation"}])
    with pytest.raises(CorpusError, match=r"bills-t.jsonl:1: split must be one of train, test"):
        load_references(tmp_path)


def test_build_rebuilds_texts_and_reports_each_failure(tmp_path, mirror):
    mirrors, commit = mirror
    doc = normalise(BILL_TXT.encode(), "tx/hb1.txt")
    html_doc = normalise(BILL_HTML.encode(), "dc/b2.html")
    assert "civil action for damages and costs & fees." in html_doc
    good = _passage(commit, PENALTY, doc)
    neutral = _passage(
        commit, NOTICE, doc, "t-0002", labels=[], kind="hard_negative", rationale="A notice."
    )
    tampered = _passage(commit, NOTICE, doc, "t-0003", labels=[], sha256="f" * 64)
    gone = _passage(commit, PENALTY, doc, "t-0004", path="tx/hb9.txt")
    elsewhere = {**_passage(commit, PENALTY, doc, "t-0005"), "source": {**good["source"]}}
    elsewhere["source"]["repo"] = "nobody/here"
    _write(tmp_path / "corpus", "passages-t.jsonl", [good, neutral, tampered, gone, elsewhere])
    support = locate(html_doc, "A survivor may bring a civil action for damages and costs & fees.")
    bill = {
        "id": "t-b001",
        "jurisdiction": "DC",
        "bill": "B 2",
        "year": 2025,
        "source": {"repo": "someone/bills", "commit": commit, "path": "dc/b2.html"},
        "sha256_file": hashlib.sha256(BILL_HTML.encode()).hexdigest(),
        "labels": ["civil_remedies"],
        "support": {"civil_remedies": [[support.start, support.end]]},
        "rationale": "Gives survivors a civil action.",
    }
    unreadable = {  # a format `billwatch text` has no reader for
        **bill,
        "id": "t-b002",
        "bill": "B 3",
        "source": {**bill["source"], "path": "dc/b3.xml"},
        "sha256_file": hashlib.sha256(BILL_XML.encode()).hexdigest(),
        "support": {"civil_remedies": [[0, 10]]},
    }
    _write(tmp_path / "corpus", "bills-t.jsonl", [bill, unreadable])

    out = tmp_path / "cache"
    report = build(tmp_path / "corpus", mirrors, out)

    assert report.built == 4
    assert [m.split(": ")[1] for m in report.unread] == ["t-b002"]
    assert [m.split(": ")[1] for m in report.hash_mismatch] == ["t-0003"]
    assert [m.split(": ")[1] for m in report.missing_file] == ["t-0004"]
    assert [m.split(": ")[1] for m in report.missing_repo] == ["t-0005"]
    assert not report.ok
    rows = [json.loads(line) for line in (out / "passages.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["t-0001", "t-0002"]
    assert rows[0]["text"] == PENALTY
    assert rows[0]["state"] == "TX"
    assert rows[0]["url"] == f"https://github.com/someone/bills/blob/{commit}/tx/hb1.txt"
    assert rows[1]["kind"] == "hard_negative"
    brow, unread = [json.loads(line) for line in (out / "bills.jsonl").read_text().splitlines()]
    (start, end) = brow["support"]["civil_remedies"][0]
    assert brow["text"][start:end].startswith("A survivor may bring")
    # Evaluation tags the bill as `billwatch text` reads it: marks kept as spans.
    read = brow["read"]
    assert [read["text"][s:e] for s, e in read["struck"]] == ["July 1"]
    assert [read["text"][s:e].strip() for s, e in read["inserted"]] == ["and costs", "January 1"]
    (row,) = [b for b in read_bills(out / "bills.jsonl") if b.id == "t-b001"]
    assert row.text == read["text"] and row.struck == [tuple(read["struck"][0])]
    assert brow["split"] == row.split == "train" and row.jurisdiction == brow["state"]
    assert row.support["civil_remedies"][0].startswith("A survivor may bring")
    assert "read" not in unread


def test_build_refuses_bills_of_the_shared_corpus(tmp_path, mirror):
    mirrors, commit = mirror
    doc = normalise(BILL_TXT.encode(), "tx/hb1.txt")
    _write(tmp_path / "corpus", "passages-t.jsonl", [_passage(commit, PENALTY, doc)])
    shared = tmp_path / "shared.jsonl"
    shared.write_text(json.dumps({"id": "p1", "state": "TX", "bill": "HB1", "text": "x"}) + "\n")
    report = build(tmp_path / "corpus", mirrors, tmp_path / "out", shared)
    assert report.built == 0
    assert len(report.shared_overlap) == 1


def test_find_git_dir_takes_the_fetch_layout(mirror):
    mirrors, _ = mirror
    assert find_git_dir(mirrors, "someone/bills") == mirrors / "someone+bills" / "repo"
    assert find_git_dir(mirrors, "someone/other") is None


def test_cli_locate_build_and_stats(tmp_path, mirror):
    mirrors, commit = mirror
    result = runner.invoke(
        app,
        [
            "corpus",
            "locate",
            "--mirrors",
            str(mirrors),
            "--repo",
            "someone/bills",
            "--path",
            "tx/hb1.txt",
            "--text",
            PENALTY.replace(" ", "\n", 3),
        ],
    )
    assert result.exit_code == 0, result.output
    located = json.loads(result.stdout)
    assert located["commit"] == commit
    assert located["sha256"] == sha256_text(PENALTY)
    assert located["sha256_file"] == hashlib.sha256(BILL_TXT.encode()).hexdigest()

    row = _passage(commit, PENALTY, normalise(BILL_TXT.encode(), "tx/hb1.txt"))
    assert (row["start"], row["end"]) == (located["start"], located["end"])
    corpus = tmp_path / "corpus"
    _write(corpus, "passages-t.jsonl", [row])
    args = ["corpus", "build", "--mirrors", str(mirrors), "--corpus", str(corpus)]
    args += ["--out", str(tmp_path / "out"), "--shared", str(tmp_path / "none.jsonl")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "built 1;" in result.stdout

    _write(corpus, "passages-t.jsonl", [{**row, "sha256": "0" * 64}])
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "hash mismatch 1" in result.stdout

    result = runner.invoke(app, ["corpus", "stats", "--corpus", str(corpus), "--json"])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)
    assert counts["tags"]["penalty_increase"] == 1
    assert counts["jurisdictions"] == {"TX": 1}
    assert stats(load_references(corpus)).kinds["passage"] == 1


def test_cli_locate_reports_a_missing_passage(tmp_path, mirror):
    mirrors, _ = mirror
    result = runner.invoke(
        app,
        ["corpus", "locate", "--mirrors", str(mirrors), "--repo", "someone/bills"]
        + ["--path", "tx/hb1.txt", "--text", "no such words"],
    )
    assert result.exit_code == 2
    assert "not in the document" in result.output


def test_cli_agreement_counts_passages_and_whole_bills(tmp_path, mirror):
    _, commit = mirror
    corpus = tmp_path / "corpus"
    row = _passage(commit, PENALTY, normalise(BILL_TXT.encode(), "tx/hb1.txt"))
    _write(corpus, "passages-t.jsonl", [row])
    bill = _bill_ref()
    _write(corpus, "bills-t.jsonl", [bill])
    second = tmp_path / "second.jsonl"
    second.write_text(
        json.dumps({"id": "t-0001", "labels": ["penalty_increase"]})
        + "\n"
        + json.dumps({"id": "t-b001", "labels": []})
        + "\n"
    )
    result = runner.invoke(app, ["corpus", "agreement", str(second), "--corpus", str(corpus)])
    assert result.exit_code == 0, result.output
    assert "1 passages and 1 whole bills labelled twice" in result.stdout
    lines = {line.split()[0]: line.split() for line in result.stdout.splitlines()[2:]}
    assert lines["penalty_increase"][1:4] == ["1", "0", "0"]  # both passes
    assert lines["civil_remedies"][1:4] == ["0", "1", "0"]  # the bill's first pass only


def test_test_split_passages_are_built_apart_from_the_training_passages(tmp_path, mirror):
    mirrors, commit = mirror
    document = normalise(BILL_TXT.encode(), "tx/hb1.txt")
    kept = _passage(commit, "Loitering near a depot is a class B misdemeanor.", document)
    held = {**_passage(commit, "Loitering near a depot", document, pid="t-0002"), "split": "test"}
    _write(tmp_path / "corpus", "passages-t.jsonl", [kept, held])
    refs = load_references(tmp_path / "corpus")
    assert [p.split for p in refs.passages] == ["train", "test"]
    assert stats(refs).held_out == 1
    report = build(tmp_path / "corpus", mirrors, tmp_path / "out")
    assert report.ok and report.built == 2 and report.held_out == 1
    train = (tmp_path / "out" / "passages.jsonl").read_text(encoding="utf-8").splitlines()
    test = (tmp_path / "out" / TEST_PASSAGES).read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["id"] for x in train] == ["t-0001"]  # training never sees t-0002
    assert [(json.loads(x)["id"], json.loads(x)["split"]) for x in test] == [("t-0002", "test")]
    _write(tmp_path / "corpus", "passages-t.jsonl", [{**held, "split": "dev"}])
    with pytest.raises(CorpusError, match=r"passages-t.jsonl:1: split must be one of train, test"):
        load_references(tmp_path / "corpus")
