"""Classifier commands: tag texts, classify stored versions, train, evaluate."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from billwatch.cli.common import console, err_console, fail, open_database


def _result_json(doc_id: Any, result: Any) -> str:
    return json.dumps(
        {
            "id": doc_id,
            "tags": result.tags,
            "scores": {t: round(s, 4) for t, s in result.scores.items()},
            "evidence": [
                {"tag": e.tag, "start": e.start, "end": e.end, "quote": e.quote}
                for e in result.evidence
            ],
        },
        ensure_ascii=False,
    )


def tag(
    source: str = typer.Argument(None, help="'-' to tag one text read from standard input."),
    jsonl: Path = typer.Option(None, "--jsonl", help="JSONL file of objects with id and text."),
) -> None:
    """Tag texts with the taxonomy; one JSON object a line on standard output."""
    if (jsonl is None) == (source is None):
        fail("give either --jsonl FILE or '-' (one text on standard input)")
    if source is not None and source != "-":
        fail(f"unknown source {source!r}: use '-' for standard input or --jsonl FILE")
    import classifier

    tagger = classifier.load()
    if jsonl is None:
        text = sys.stdin.read()
        sys.stdout.write(_result_json(None, tagger.tag(text)) + "\n")
        return
    try:
        lines = jsonl.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        fail(f"{jsonl}: cannot read: {exc}")
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            doc_id, text = row.get("id"), row["text"]
            if not isinstance(text, str):
                raise TypeError("text is not a string")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            fail(f"{jsonl}:{n}: expected an object with id and text ({exc})")
        sys.stdout.write(_result_json(doc_id, tagger.tag(text)) + "\n")


def classify(
    all_versions: bool = typer.Option(False, "--all", help="Re-tag every stored version."),
    pending: bool = typer.Option(
        False,
        "--pending",
        help="Only versions not yet tagged by this classifier version (the default).",
    ),
    limit: int = typer.Option(None, "--limit", help="Tag at most this many versions."),
) -> None:
    """Tag stored bill versions and store tags, evidence and stance."""
    if all_versions and pending:
        fail("--all and --pending exclude each other")
    Session = open_database()  # noqa: N806 - a session factory
    import classifier
    from classifier.store import classify_versions

    count = classify_versions(Session, pending_only=not all_versions, limit=limit)
    console.print(f"tagged {count} version(s) with {classifier.CLASSIFIER_VERSION}")


def train(
    corpus: Path = typer.Option(
        None, "--corpus", help="Labelled passages (default: ../shared/corpus/passages.jsonl)."
    ),
    folds: int = typer.Option(None, "--folds", help="CV folds for thresholds (config default)."),
    feedback: bool = typer.Option(
        True,
        "--feedback/--no-feedback",
        help="Use tags people confirmed or rejected in the database.",
    ),
    output: Path = typer.Option(
        None,
        "--output",
        help="Where to write the pipeline (default: the package's classifier/pipeline).",
    ),
    config: Path = typer.Option(
        None, "--config", help="Pipeline config (default: classifier/configs/pipeline.cfg)."
    ),
    own: bool = typer.Option(True, "--own/--no-own", help="Use our written examples."),
) -> None:
    """Retrain the scorer and choose per-tag thresholds by cross-validation."""
    from classifier.data import (
        DEFAULT_CORPUS,
        DataError,
        load_feedback,
        load_own_examples,
        read_jsonl,
    )
    from classifier.train import CONFIG_PATH, PIPELINE_DIR, train_pipeline

    path = corpus or DEFAULT_CORPUS
    try:
        examples = read_jsonl(path, "corpus")
        extra = load_own_examples() if own else []
    except DataError as exc:
        fail(str(exc))
    if feedback:
        from billwatch.db.session import check_schema, get_sessionmaker

        try:
            check_schema()
            extra += load_feedback(get_sessionmaker())
        except Exception as exc:  # no database is fine: train without reviews
            err_console.print(f"no reviewed tags used ({exc})")
    if config is not None and not config.exists():
        fail(f"{config}: no such config")
    result = train_pipeline(
        examples,
        extra,
        output or PIPELINE_DIR,
        config or CONFIG_PATH,
        folds=folds,
        progress=lambda m: err_console.print(m),
    )
    console.print(
        f"trained on {len(examples)} corpus passages and {len(extra)} other examples;"
        f" wrote {output or PIPELINE_DIR}"
    )
    if result is not None:
        console.print(
            "thresholds: " + ", ".join(f"{t}={v:.2f}" for t, v in result.thresholds.items())
        )


def evaluate(
    file: Path = typer.Argument(..., help="JSONL of objects with text and labels."),
    folds: int = typer.Option(
        1, "--folds", help="K > 1: K-fold CV retraining; 1: the shipped model."
    ),
    markdown: bool = typer.Option(False, "--markdown", help="Print a Markdown table."),
) -> None:
    """Per-tag P/R/F1, micro and macro F1, ALERT-level P/R, beside a keyword baseline."""
    from classifier.data import DataError
    from classifier.evaluate import evaluate_file, markdown_table, results_table

    try:
        ev = evaluate_file(file, folds, progress=lambda m: err_console.print(m))
    except (DataError, ValueError) as exc:
        fail(str(exc))
    if markdown:
        console.print(markdown_table(ev), markup=False, highlight=False)
    else:
        console.print(results_table(ev))


def register(app: typer.Typer) -> None:
    """Add this area's commands."""
    app.command("tag")(tag)
    app.command("classify")(classify)
    app.command("train")(train)
    app.command("evaluate")(evaluate)
