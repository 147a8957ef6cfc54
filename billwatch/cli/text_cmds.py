"""`billwatch text`: extract one bill document and print its text or its spans as JSON."""

from __future__ import annotations

import enum
import json
import sys
from pathlib import Path
from typing import NoReturn

import typer

from billwatch.text import DocumentError, extract_document
from billwatch.text.conventions import table


class TextFormat(enum.StrEnum):
    """Output formats of `billwatch text`."""

    text = "text"
    json = "json"


def fail(message: str) -> NoReturn:
    """Report on standard error, unwrapped so that long paths stay whole, and exit 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


# A bill document is at most a few MB; a 200 MB file once took 7.9 GB to extract (#11).
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


def _read(path: Path) -> bytes:
    """The file's bytes, or a clear error for a missing, too large or unreadable file."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_DOCUMENT_BYTES + 1)
        if len(data) > MAX_DOCUMENT_BYTES:
            fail(
                f"{path}: larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB, not a bill document"
            )
        return data
    except FileNotFoundError:
        fail(f"{path}: no such file")
    except IsADirectoryError:
        fail(f"{path}: is a directory, not a document")
    except OSError as exc:
        fail(f"{path}: cannot read: {exc.strerror or exc}")


def text_command(
    path: Path = typer.Argument(
        ..., help="An HTML, PDF, XML, RTF, LegiScan text JSON or plain text file."
    ),
    output_format: TextFormat = typer.Option(
        TextFormat.text,
        "--format",
        "-f",
        help='"text" prints the text; "json" prints {"text", "inserted", "struck"}.',
    ),
    state: str | None = typer.Option(
        None,
        "--state",
        help="Postal code (or US) whose drafting conventions apply when the document prints "
        "no explanation note of its own.",
    ),
) -> None:
    """Extract one bill document: its text, with what it inserts and strikes."""
    if state is not None and state.upper() not in table():
        fail(f"--state {state!r}: not a state, DC or US")
    data = _read(path)
    try:
        result = extract_document(data, filename=path.name, jurisdiction=state)
    except DocumentError as exc:
        fail(f"{path}: {exc}")
    if output_format is TextFormat.json:
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(result.text + "\n")


def register(app: typer.Typer) -> None:
    """Add this area's commands."""
    app.command("text")(text_command)
