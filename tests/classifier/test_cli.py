"""The tag and evaluate commands: output shape and errors."""

import json

from typer.testing import CliRunner

from billwatch.cli import app
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
            assert text[ev["start"] : ev["end"]] == ev["quote"]
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


def test_evaluate_rejects_unknown_tags(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps({"text": CIVIL, "labels": ["no_such_tag"]}) + "\n")
    result = runner.invoke(app, ["evaluate", str(path)])
    assert result.exit_code == 2 and "no_such_tag" in result.stderr
