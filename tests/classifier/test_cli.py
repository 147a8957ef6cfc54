"""The tag and evaluate commands: output shape and errors."""

import json

from typer.testing import CliRunner

import classifier
from billwatch.cli import app
from classifier.linenumbers import readable
from classifier.taxonomy import TAGS

runner = CliRunner()
PENALTY = (
    "Section 1. Sex trafficking is a class A felony punishable by imprisonment for life "
    "without the possibility of parole."
)
CIVIL = "Section 2. A victim may bring a civil action for actual and punitive damages."


def test_tag_jsonl_writes_one_object_a_line(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(
        json.dumps({"id": "a", "text": PENALTY})
        + "\n\n"
        + json.dumps({"id": 7, "text": CIVIL})
        + "\n"
    )
    result = runner.invoke(app, ["tag", "--jsonl", str(path)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", 7]
    for row, text in zip(rows, (PENALTY, CIVIL), strict=True):
        assert set(row) == {"id", "tags", "scores", "evidence"}
        assert set(row["scores"]) == set(TAGS)
        assert all(isinstance(v, float) and 0 <= v <= 1 for v in row["scores"].values())
        for ev in row["evidence"]:
            assert set(ev) == {"tag", "start", "end", "quote"}
            assert readable(text[ev["start"] : ev["end"]]) == ev["quote"]
        assert {ev["tag"] for ev in row["evidence"]} == set(row["tags"])
    assert rows[0]["tags"] == ["penalty_increase"]
    assert rows[1]["tags"] == ["civil_remedies"]


def test_tag_stdin():
    result = runner.invoke(app, ["tag", "-"], input=CIVIL)
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)
    assert row["id"] is None and row["tags"] == ["civil_remedies"]


def test_tag_bad_input_says_where(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"id": 1, "text": CIVIL}) + "\n" + '{"id": 2}\n')
    result = runner.invoke(app, ["tag", "--jsonl", str(path)])
    assert result.exit_code == 2
    assert "bad.jsonl:2" in result.stderr
    assert runner.invoke(app, ["tag"]).exit_code == 2
    missing = runner.invoke(app, ["tag", "--jsonl", str(tmp_path / "none.jsonl")])
    assert missing.exit_code == 2 and "cannot read" in missing.stderr


def test_evaluate_prints_model_beside_keyword_baseline(tmp_path):
    path = tmp_path / "gold.jsonl"
    rows = [
        {"text": PENALTY, "labels": ["penalty_increase"]},
        {"text": CIVIL, "labels": ["civil_remedies"]},
        {"text": "WHEREAS, January is Human Trafficking Awareness Month.", "labels": []},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = runner.invoke(app, ["evaluate", str(path), "--markdown"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "| penalty_increase | 1 | 1.00 | 1.00 | 1.00 |" in out
    assert "keyword F1" in out and "**macro F1**" in out and "**ALERT level**" in out
    # The keyword baseline calls the awareness resolution ALERT (it says "trafficking").
    assert "| **ALERT level** | 1 | 1.00 | 1.00 | 1.00 | 0.50 | 1.00 | 0.67 |" in out
    table = runner.invoke(app, ["evaluate", str(path)])
    assert table.exit_code == 0 and "ALERT level" in table.stdout


def test_evaluate_passages_with_another_pipeline_names_it_and_refuses_it_beside_cv(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps({"text": PENALTY, "labels": ["penalty_increase"]}) + "\n")
    other = ["--pipeline", str(classifier.PIPELINE_DIR)]
    result = runner.invoke(app, ["evaluate", str(path), "--markdown", *other])
    assert result.exit_code == 0, result.output
    assert f"pipeline {classifier.PIPELINE_DIR}" in result.stdout
    assert "| penalty_increase | 1 | 1.00 | 1.00 | 1.00 |" in result.stdout
    cv = runner.invoke(app, ["evaluate", str(path), "--folds", "2", *other])
    assert cv.exit_code == 2 and "cross-validation trains its own" in cv.stderr


def test_evaluate_rejects_unknown_tags(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps({"text": CIVIL, "labels": ["no_such_tag"]}) + "\n")
    result = runner.invoke(app, ["evaluate", str(path)])
    assert result.exit_code == 2 and "no_such_tag" in result.stderr


def test_tag_reads_documents_directly_and_keeps_struck_text(files):
    path = files / "classifier" / "ny_a01234.html"
    result = runner.invoke(app, ["tag", str(path)])
    assert result.exit_code == 0, result.output
    (row,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["id"] == str(path)
    assert "non_criminalization" in row["tags"]  # the struck offense reads the opposite way
    assert "sex_work_criminalization" not in row["tags"]


def test_tag_jsonl_chains_with_billwatch_text_spans(files, tmp_path):
    text = runner.invoke(app, ["text", str(files / "classifier" / "ca_sb0999.html"), "-f", "json"])
    assert text.exit_code == 0, text.output
    doc = json.loads(text.stdout)
    assert doc["struck"]
    path = tmp_path / "in.jsonl"
    with_spans = {"id": "spans", **doc}
    plain = {"id": "plain", "text": doc["text"]}  # the same words without the struck spans
    path.write_text(json.dumps(with_spans) + "\n" + json.dumps(plain) + "\n")
    result = runner.invoke(app, ["tag", "--jsonl", str(path)])
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert "non_criminalization" in rows["spans"]["tags"]
    assert "sex_work_criminalization" not in rows["spans"]["tags"]
    assert "sex_work_criminalization" in rows["plain"]["tags"]


def test_tag_rejects_bad_spans_and_missing_documents(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": 1, "text": CIVIL, "struck": [[0, 10_000]]}) + "\n")
    result = runner.invoke(app, ["tag", "--jsonl", str(path)])
    assert result.exit_code == 2 and "in.jsonl:1" in result.stderr
    path.write_text(json.dumps({"id": 1, "text": CIVIL, "inserted": [["a", 3]]}) + "\n")
    assert runner.invoke(app, ["tag", "--jsonl", str(path)]).exit_code == 2
    missing = runner.invoke(app, ["tag", str(tmp_path / "none.pdf")])
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    both = runner.invoke(app, ["tag", "-", str(path)])
    assert both.exit_code == 2


def _bills_file(tmp_path):
    bill = (
        "AN ACT relating to prostitution; enhancing penalties for patronizing a prostitute.\n"
        "Section 1. A person who pays a fee to another person in return for sexual conduct "
        "commits patronizing prostitution, a class A felony.\n"
        "Section 2. This act takes effect on July first."
    )
    s = bill.index("A person who pays")
    e = bill.index("felony.") + len("felony.")
    neutral = "Section 1. January is designated Human Trafficking Awareness Month."
    rows = [
        {
            "id": "b1",
            "text": bill,
            "labels": ["penalty_increase", "sex_work_criminalization"],
            "support": {"penalty_increase": [[s, e]], "sex_work_criminalization": [[s, e]]},
        },
        {"id": "b2", "text": neutral, "labels": [], "support": {}},
    ]
    path = tmp_path / "bills.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_evaluate_bills_reports_bill_level_numbers_and_evidence_support(tmp_path):
    result = runner.invoke(app, ["evaluate", "--bills", str(_bills_file(tmp_path))])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "2 whole bills" in out and "ALERT level" in out
    assert "evidence supports its tag" in out


def test_evaluate_rejects_an_unknown_grouping(tmp_path):
    result = runner.invoke(app, ["evaluate", str(tmp_path / "x.jsonl"), "--group-by", "color"])
    assert result.exit_code == 2 and "jurisdiction" in result.stderr
    assert runner.invoke(app, ["evaluate"]).exit_code == 2


def test_evaluate_bills_of_one_split_and_a_bad_split(tmp_path):
    path = _bills_file(tmp_path)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    rows[1]["split"] = "test"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = runner.invoke(app, ["evaluate", "--bills", str(path), "--split", "test"])
    assert result.exit_code == 0, result.output
    assert "1 whole bills (test split" in " ".join(result.stdout.split())
    bad = runner.invoke(app, ["evaluate", "--bills", str(path), "--split", "dev"])
    assert bad.exit_code == 2 and "--split takes train or test" in bad.stderr
    rows[1]["split"] = "dev"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    unknown = runner.invoke(app, ["evaluate", "--bills", str(path)])
    assert unknown.exit_code == 2 and "bills.jsonl:2: split must be one of" in unknown.stderr


def test_evaluate_bills_says_which_bills_the_shipped_gate_learned_from(tmp_path):
    learned = classifier.load().scorer.bill_gate.bills
    assert learned, "the shipped pipeline has a trained bill gate"
    path = _bills_file(tmp_path)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    rows[0]["id"] = learned[0]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = runner.invoke(app, ["evaluate", "--bills", str(path)])
    assert result.exit_code == 0, result.output
    title = " ".join(result.stdout.split())  # the title wraps to the table's width
    assert "the bill gate learned from 1 of them, so they are not unseen" in title


def test_evaluate_bills_with_another_pipeline_names_it_and_rejects_a_folder_without_one(tmp_path):
    path = _bills_file(tmp_path)
    result = runner.invoke(
        app, ["evaluate", "--bills", str(path), "--pipeline", str(classifier.PIPELINE_DIR)]
    )
    assert result.exit_code == 0, result.output
    assert f"Pipeline {classifier.PIPELINE_DIR}" in "".join(result.stdout.split("\n"))
    empty = runner.invoke(app, ["evaluate", "--bills", str(path), "--pipeline", str(tmp_path)])
    assert empty.exit_code == 2 and "no trained pipeline here" in empty.stderr
