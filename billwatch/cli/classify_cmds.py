"""Classifier commands: tag texts and documents, classify stored versions, train, evaluate."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

import classifier
from billwatch.cli.common import console, err_console, fail, open_database
from billwatch.db.session import check_schema, get_sessionmaker
from billwatch.text import DocumentError, extract_document
from classifier.data import (
    BILL_SPLITS,
    DEFAULT_CACHE,
    DEFAULT_CORPUS,
    GROUP_BY,
    BillRow,
    DataError,
    Example,
    load_feedback,
    load_own_examples,
    read_bills,
    read_jsonl,
)
from classifier.evaluate import (
    bills_table,
    evaluate_bills,
    evaluate_file,
    markdown_table,
    results_table,
)
from classifier.store import classify_versions
from classifier.tagger import DocResult
from classifier.train import CONFIG_PATH, PIPELINE_DIR, train_pipeline

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024  # a bill PDF is a few MB; refuse to read a disk image


def _result_json(doc_id: Any, result: DocResult) -> str:
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


def _spans(row: dict[str, Any], key: str, length: int) -> list[tuple[int, int]]:
    """Validated [start, end) spans of a --jsonl object (`billwatch text --format json`)."""
    raw = row.get(key) or []
    if not isinstance(raw, list):
        raise TypeError(f"{key} is not a list of [start, end] pairs")
    out = []
    for pair in raw:
        if (
            not isinstance(pair, list | tuple)
            or len(pair) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in pair)
        ):
            raise TypeError(f"{key} holds {pair!r}, not a [start, end] pair of integers")
        start, end = pair
        if not 0 <= start <= end <= length:
            raise ValueError(f"{key} span {pair!r} lies outside the text ({length} characters)")
        out.append((start, end))
    return out


def _jsonl_rows(path: Path) -> Iterator[tuple[Any, str, list, list]]:
    """(id, text, inserted, struck) of each object of a --jsonl file, failing clearly."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        fail(f"{escape(str(path))}: cannot read: {escape(str(exc))}")
    with handle:
        for n, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                doc_id, text = row.get("id"), row["text"]
                if not isinstance(text, str):
                    raise TypeError("text is not a string")
                spans = [_spans(row, key, len(text)) for key in ("inserted", "struck")]
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                where = f"{path}:{n}: expected an object with id and text ({exc})"
                fail(escape(where))
            yield doc_id, text, spans[0], spans[1]


def _read_document(path: Path) -> tuple[str, list, list]:
    """Text and drafting spans of a bill document, as `billwatch text` reads it."""
    try:
        if path.stat().st_size > MAX_DOCUMENT_BYTES:
            fail(f"{escape(str(path))}: larger than {MAX_DOCUMENT_BYTES // 2**20} MB")
        data = path.read_bytes()
    except FileNotFoundError:
        fail(f"{escape(str(path))}: no such file")
    except IsADirectoryError:
        fail(f"{escape(str(path))}: is a directory, not a document")
    except OSError as exc:
        fail(f"{escape(str(path))}: cannot read: {escape(str(exc.strerror or exc))}")
    try:
        doc = extract_document(data, filename=path.name)
    except DocumentError as exc:
        fail(f"{escape(str(path))}: {escape(str(exc))}")
    return doc.text, doc.inserted, doc.struck


def tag(
    sources: list[str] = typer.Argument(
        None,
        help="Bill documents (HTML, PDF, XML, LegiScan JSON or text, as `billwatch text` reads)"
        " or '-' for one text on standard input.",
    ),
    jsonl: Path = typer.Option(
        None,
        "--jsonl",
        help="JSONL of objects with id and text, and optionally the inserted and struck spans"
        " that `billwatch text --format json` prints.",
    ),
) -> None:
    """Tag texts with the taxonomy; one JSON object a line on standard output."""
    sources = sources or []
    if (jsonl is None) == (not sources):
        fail("give documents, '-' (one text on standard input) or --jsonl FILE")
    if "-" in sources and len(sources) > 1:
        fail("'-' reads one text from standard input: give it alone")
    tagger = classifier.load()
    out = sys.stdout
    if jsonl is not None:
        for doc_id, text, inserted, struck in _jsonl_rows(jsonl):
            out.write(_result_json(doc_id, tagger.tag(text, inserted, struck)) + "\n")
        return
    if sources == ["-"]:
        out.write(_result_json(None, tagger.tag(sys.stdin.read())) + "\n")
        return
    for source in sources:
        text, inserted, struck = _read_document(Path(source))
        out.write(_result_json(source, tagger.tag(text, inserted, struck)) + "\n")


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
    count = classify_versions(Session, pending_only=not all_versions, limit=limit)
    console.print(f"tagged {count} version(s) with {classifier.CLASSIFIER_VERSION}")


def _cache_examples(cache: Path | None) -> list[Example]:
    """Passages of the built corpus cache (`billwatch corpus build`), when there is one."""
    path = cache or DEFAULT_CACHE
    if not path.exists():
        if cache is not None:
            fail(f"{escape(str(cache))}: no such corpus cache (run `billwatch corpus build`)")
        return []
    return read_jsonl(path, "cache")


def _gate_bills(bills: Path | None, cache: Path | None) -> list[BillRow]:
    """Whole labelled bills for the bill gate: --bills, else the cache's bills.jsonl."""
    path = bills or (cache or DEFAULT_CACHE).with_name("bills.jsonl")
    if not path.exists():
        if bills is not None:
            fail(f"{escape(str(bills))}: no such file of whole bills")
        return []
    return read_bills(path)


def train(
    corpus: Path = typer.Option(
        None, "--corpus", help="Labelled passages (default: ../shared/corpus/passages.jsonl)."
    ),
    cache: Path = typer.Option(
        None,
        "--cache",
        help="The built corpus cache, read beside the corpus when present"
        " (default: .cache/corpus/passages.jsonl, or $BILLWATCH_CORPUS_CACHE).",
    ),
    use_cache: bool = typer.Option(True, "--use-cache/--no-cache", help="Read the cache."),
    folds: int = typer.Option(
        None, "--folds", help="Inner folds for the meta model and thresholds (config default)."
    ),
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
    bills: Path = typer.Option(
        None,
        "--bills",
        help="Whole labelled bills the bill gate learns from (their train split; default: the"
        " cache's bills.jsonl when the cache is read). Without any, a bill carries every tag"
        " a section raises.",
    ),
    seed: int = typer.Option(
        None,
        "--seed",
        help="Seed of the folds and starts in place of the config's: retrain under a few to"
        " see how much the figures move with them.",
    ),
) -> None:
    """Retrain the stacked scorer; the meta model and per-tag thresholds come from inner folds,
    then the bill gate from whole bills."""
    try:
        examples = read_jsonl(corpus or DEFAULT_CORPUS, "corpus")
        whole: list[BillRow] = []
        if use_cache:
            examples += _cache_examples(cache)
            whole = _gate_bills(bills, cache)
        elif bills is not None:
            whole = _gate_bills(bills, None)
        extra = load_own_examples() if own else []
    except DataError as exc:
        fail(escape(str(exc)))
    if feedback:
        try:
            check_schema()
            extra += load_feedback(get_sessionmaker())
        except Exception as exc:  # no database is fine: train without reviews
            err_console.print(f"no reviewed tags used ({escape(str(exc))})")
    if config is not None and not config.exists():
        fail(f"{escape(str(config))}: no such config")
    try:
        result = train_pipeline(
            examples,
            extra,
            output or PIPELINE_DIR,
            config or CONFIG_PATH,
            folds=folds,
            progress=lambda m: err_console.print(m),
            bills=whole,
            seed=seed,
        )
    except ValueError as exc:
        fail(escape(str(exc)))
    console.print(
        f"trained on {len(examples)} labelled passages and {len(extra)} other examples;"
        f" wrote {escape(str(output or PIPELINE_DIR))}"
    )
    console.print("thresholds: " + ", ".join(f"{t}={v:.2f}" for t, v in result.thresholds.items()))


def evaluate(
    file: Path = typer.Argument(
        None, help="JSONL of passages with text and labels (the shared corpus or the cache)."
    ),
    folds: int = typer.Option(
        1, "--folds", help="K > 1: K-fold CV retraining; 1: the shipped model."
    ),
    group_by: str = typer.Option(
        None,
        "--group-by",
        help="Also run folds grouped by 'jurisdiction' or 'bill' (no group in both train and"
        " test), printed beside random folds; implies --folds 5 unless given.",
    ),
    bills: Path = typer.Option(
        None,
        "--bills",
        help="JSONL of whole bills with bill-level labels and support sentences: bill-level"
        " ALERT and per-tag numbers, and whether each evidence quote supports its tag.",
    ),
    split: str = typer.Option(
        None,
        "--split",
        help="With --bills: only the bills of this split ('train' or 'test': held out from all"
        " training).",
    ),
    pipeline: Path = typer.Option(
        None,
        "--pipeline",
        help="A pipeline written by `billwatch train --output DIR` in place of the shipped one"
        " (for --bills, and for a passages FILE without cross-validation).",
    ),
    markdown: bool = typer.Option(False, "--markdown", help="Print a Markdown table."),
    config: Path = typer.Option(
        None, "--config", help="Pipeline config for CV (default: classifier/configs/pipeline.cfg)."
    ),
    own: bool = typer.Option(True, "--own/--no-own", help="Train folds on our written examples."),
) -> None:
    """Per-tag P/R/F1, micro and macro F1, ALERT-level P/R, beside a keyword baseline."""
    if file is None and bills is None:
        fail("give a passages FILE, --bills FILE, or both")
    if split is not None and split not in BILL_SPLITS:
        fail(f"--split takes {' or '.join(BILL_SPLITS)}, not {escape(split)!r}")
    if group_by is not None and group_by not in GROUP_BY:
        fail(f"--group-by takes {' or '.join(GROUP_BY)}, not {escape(group_by)!r}")
    if config is not None and not config.exists():
        fail(f"{escape(str(config))}: no such config")
    if pipeline is not None and not (pipeline / "config.cfg").is_file():
        fail(f"{escape(str(pipeline))}: no trained pipeline here (see `billwatch train --output`)")
    if group_by and folds <= 1:
        folds = 5
    if pipeline is not None and file is not None and folds > 1:
        fail("--pipeline measures a trained pipeline; cross-validation trains its own")
    try:
        if file is not None:
            evs = evaluate_file(
                file, folds, lambda m: err_console.print(m), group_by, config, own, pipeline
            )
            if markdown:
                sys.stdout.write(markdown_table(evs) + "\n")  # never wrapped to the terminal
            else:
                console.print(results_table(evs))
        if bills is not None:
            bill_ev = evaluate_bills(bills, lambda m: err_console.print(m), split, pipeline)
            console.print(bills_table(bill_ev))
    except (DataError, ValueError) as exc:
        fail(escape(str(exc)))


def register(app: typer.Typer) -> None:
    """Add this area's commands."""
    app.command("tag")(tag)
    app.command("classify")(classify)
    app.command("train")(train)
    app.command("evaluate")(evaluate)
