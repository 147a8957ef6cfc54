"""`billwatch text PATH [--format text|json]` through the real typer app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from billwatch.cli import app, text_cmds
from tests.text.pdfs import make_pdf

FILES = Path(__file__).resolve().parent.parent / "files" / "text"


@pytest.fixture
def runner() -> CliRunner:
    """A runner that keeps stdout and stderr apart."""
    return CliRunner()


def test_text_output(runner: CliRunner) -> None:
    result = runner.invoke(app, ["text", str(FILES / "mo_billtext_house.html")])
    assert result.exit_code == 0, result.stderr
    assert "in sexual conduct commercial sexual activity." in result.stdout
    assert result.stdout.endswith("not a defense.\n")


def test_json_output(runner: CliRunner) -> None:
    result = runner.invoke(app, ["text", str(FILES / "ny_billtext_S04242.XML"), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    obj = json.loads(result.stdout)
    assert list(obj) == ["text", "inserted", "struck"]
    assert [obj["text"][s:e] for s, e in obj["struck"]] == ["monthly", "B"]
    assert [obj["text"][s:e] for s, e in obj["inserted"]] == ["weekly", "A"]
    assert all(isinstance(span, list) and len(span) == 2 for span in obj["inserted"])


def test_pdf_file(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "bill.pdf"
    path.write_bytes(make_pdf(["SEC. 2. This act takes effect immediately."]))
    result = runner.invoke(app, ["text", str(path), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {
        "text": "SEC. 2. This act takes effect immediately.",
        "inserted": [],
        "struck": [],
    }


@pytest.mark.parametrize(
    "content, reason",
    [
        (None, "no such file"),
        (b"", "empty document"),
        (b"\x00\x01binary\x00" * 40, "unknown binary format"),
        (b"%PDF-1.4\n1 0 obj\n<<", "truncated PDF"),
    ],
)
def test_bad_files_exit_2_with_path_and_reason(
    runner: CliRunner, tmp_path: Path, content: bytes | None, reason: str
) -> None:
    path = tmp_path / "a-rather-long-folder-name-for-wrapping" / "bill document.bin"
    path.parent.mkdir()
    if content is not None:
        path.write_bytes(content)
    result = runner.invoke(app, ["text", str(path)])
    assert result.exit_code == 2
    assert str(path) in result.stderr
    assert reason in result.stderr
    assert result.stdout == ""


def test_directory_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["text", str(tmp_path)])
    assert result.exit_code == 2
    assert str(tmp_path) in result.stderr and "directory" in result.stderr


def test_unknown_format_option(runner: CliRunner) -> None:
    result = runner.invoke(app, ["text", str(FILES / "mo_billtext_house.html"), "--format", "xml"])
    assert result.exit_code == 2


def test_state_picks_the_convention_of_a_pdf_without_a_note(
    runner: CliRunner, tmp_path: Path
) -> None:
    from tests.text.pdfs import draw_bill

    pages = [
        [
            [("Be it enacted by the General Assembly:", "")],
            [("Section 1. A person shall register within", ""), ("ten", "b"), ("days.", "")],
        ]
    ]
    path = tmp_path / "bill.pdf"
    path.write_bytes(draw_bill(pages))
    plain = json.loads(runner.invoke(app, ["text", str(path), "-f", "json"]).stdout)
    assert plain["inserted"] == []
    result = runner.invoke(app, ["text", str(path), "-f", "json", "--state", "mo"])
    assert result.exit_code == 0, result.stderr
    obj = json.loads(result.stdout)
    assert [obj["text"][s:e] for s, e in obj["inserted"]] == ["ten"]


def test_unknown_state(runner: CliRunner) -> None:
    result = runner.invoke(app, ["text", str(FILES / "mo_billtext_house.html"), "--state", "ZZ"])
    assert result.exit_code == 2
    assert "not a state" in result.stderr


def test_text_refuses_a_file_over_the_size_cap(tmp_path: Path) -> None:
    """A huge file is refused by its size before anything is read into memory for parsing."""
    big = tmp_path / "huge.txt"
    with big.open("wb") as handle:
        handle.seek(text_cmds.MAX_DOCUMENT_BYTES)
        handle.write(b"x")  # sparse: one byte past the cap costs no disk
    result = CliRunner().invoke(app, ["text", str(big)])
    assert result.exit_code == 2
    assert "larger than 64 MB" in result.output
