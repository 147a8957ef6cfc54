"""Corpus commands: rebuild the collected corpus from mirrors, count it, locate new passages."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import typer
from rich.markup import escape

from billwatch.cli.common import console, err_console, fail
from classifier.agreement import AgreementError, read_labels
from classifier.agreement import agreement as tag_agreement
from classifier.corpus import (
    TEST_PASSAGES,
    CorpusError,
    MissingFile,
    References,
    default_mirrors,
    find_git_dir,
    head_commit,
    load_references,
    normalise,
    read_blob,
    span,
)
from classifier.corpus import build as build_corpus
from classifier.corpus import locate as locate_passage
from classifier.corpus import stats as corpus_stats
from classifier.data import DEFAULT_CORPUS
from classifier.taxonomy import TAGS

MAX_PASSAGE_CHARS = 200_000  # a passage is a section or a few sentences, never a whole code


def _references(corpus: Path) -> References:
    try:
        return load_references(corpus)
    except CorpusError as exc:
        fail(escape(str(exc)))


def build(
    mirrors: Path = typer.Option(
        None,
        "--mirrors",
        help="Folder of git mirrors (owner+name/...); default $BILLWATCH_CORPUS_MIRRORS "
        "or /work/.mirror.",
    ),
    corpus: Path = typer.Option(Path("corpus"), "--corpus", help="Folder of reference files."),
    out: Path = typer.Option(Path(".cache/corpus"), "--out", help="Folder the texts go to."),
    shared: Path = typer.Option(
        None,
        "--shared",
        help="A corpus in the shared shape whose bills may not be reused "
        "(default ../shared/corpus/passages.jsonl when present).",
    ),
) -> None:
    """Rebuild passage and bill texts from local mirrors into the cache, checking hashes."""
    mirrors = mirrors or default_mirrors()
    if not mirrors.is_dir():
        fail(f"no mirrors folder at {escape(str(mirrors))}")
    try:
        report = build_corpus(corpus, mirrors, out, shared or DEFAULT_CORPUS)
    except CorpusError as exc:
        fail(escape(str(exc)))
    for message in report.problems[:50]:
        err_console.print(escape(message), highlight=False)
    if len(report.problems) > 50:
        err_console.print(f"... and {len(report.problems) - 50} more problems")
    console.print(
        f"built {report.built}; missing repo {len(report.missing_repo)}; "
        f"missing file {len(report.missing_file)}; hash mismatch {len(report.hash_mismatch)}; "
        f"bad offsets {len(report.bad_offsets)}; in the shared corpus "
        f"{len(report.shared_overlap)} -> {escape(str(out))}",
        highlight=False,
    )
    if report.held_out:
        console.print(
            f"{report.held_out} passages of the test split are held out of training in "
            f"{escape(str(out / TEST_PASSAGES))} (measure with `billwatch evaluate` on it)",
            highlight=False,
        )
    if report.unread:
        console.print(
            f"{len(report.unread)} whole bills in formats `billwatch text` does not read are"
            " evaluated on their normalised text, without marks:",
            highlight=False,
        )
        for message in report.unread[:20]:
            console.print(f"  {escape(message)}", highlight=False)
    if not report.ok:
        raise typer.Exit(1)


def stats(
    corpus: Path = typer.Option(Path("corpus"), "--corpus", help="Folder of reference files."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Count references per tag, kind and jurisdiction (no mirrors needed)."""
    s = corpus_stats(_references(corpus))
    if as_json:
        sys.stdout.write(
            json.dumps(
                {
                    "passages": s.passages,
                    "test_passages": s.held_out,
                    "bills": s.bills,
                    "tags": {t: s.tags[t] for t in TAGS},
                    "kinds": dict(s.kinds),
                    "jurisdictions": dict(sorted(s.jurisdictions.items())),
                    "bill_tags": {t: s.bill_tags[t] for t in TAGS},
                    "bill_jurisdictions": dict(sorted(s.bill_jurisdictions.items())),
                }
            )
            + "\n"
        )
        return
    console.print(
        f"passages {s.passages} ({s.held_out} of them the held-out test split), "
        f"whole bills {s.bills}",
        highlight=False,
    )
    console.print("kind: " + ", ".join(f"{k} {n}" for k, n in sorted(s.kinds.items())))
    console.print(f"{'tag':<26} {'passages':>8} {'bills':>6}")
    for tag in TAGS:
        console.print(f"{tag:<26} {s.tags[tag]:>8} {s.bill_tags[tag]:>6}", highlight=False)
    juris = sorted(s.jurisdictions.items())
    console.print(
        f"jurisdictions ({len(juris)}): " + ", ".join(f"{j} {n}" for j, n in juris),
        highlight=False,
    )
    bj = sorted(s.bill_jurisdictions.items())
    console.print(
        f"bill jurisdictions ({len(bj)}): " + ", ".join(f"{j} {n}" for j, n in bj),
        highlight=False,
    )


def locate(
    repo: str = typer.Option(..., "--repo", help="owner/name of the mirrored repository."),
    path: str = typer.Option(..., "--path", help="File path inside the repository."),
    commit: str = typer.Option(
        None, "--commit", help="40-hex commit (default: the mirror's HEAD)."
    ),
    text: str = typer.Option(None, "--text", help="The passage ('-' reads standard input)."),
    start: int = typer.Option(None, "--start", help="Start offset in the normalised text."),
    end: int = typer.Option(None, "--end", help="End offset in the normalised text."),
    occurrence: int = typer.Option(None, "--occurrence", help="Which hit, when there are more."),
    mirrors: Path = typer.Option(None, "--mirrors", help="Folder of git mirrors."),
) -> None:
    """Print start, end and sha256 of a passage (or of a file, with neither) as JSON."""
    if text is not None and (start is not None or end is not None):
        fail("give either --text or --start/--end, not both")
    if (start is None) != (end is None):
        fail("--start and --end go together")
    git_dir = find_git_dir(mirrors or default_mirrors(), repo)
    if git_dir is None:
        fail(f"no mirror of {escape(repo)}")
    try:
        commit = commit or head_commit(git_dir)
        raw = read_blob(git_dir, commit, path)
    except (MissingFile, ValueError) as exc:
        fail(escape(str(exc)))
    document = normalise(raw, path)
    result: dict[str, object] = {
        "repo": repo,
        "commit": commit,
        "path": path,
        "sha256_file": hashlib.sha256(raw).hexdigest(),
        "length": len(document),
    }
    if text == "-":
        text = sys.stdin.read(MAX_PASSAGE_CHARS + 1)
    if text is not None and len(text) > MAX_PASSAGE_CHARS:
        fail(f"the passage is longer than {MAX_PASSAGE_CHARS} characters")
    try:
        if text is not None:
            found = locate_passage(document, text, occurrence)
        elif start is not None and end is not None:
            found = span(document, start, end)
        else:
            found = None
    except ValueError as exc:
        fail(escape(str(exc)))
    if found is not None:
        result.update(start=found.start, end=found.end, sha256=found.sha256)
    sys.stdout.write(json.dumps(result) + "\n")


def agreement(
    second: Path = typer.Argument(..., help="JSONL of {id, labels} from a blind second pass."),
    corpus: Path = typer.Option(Path("corpus"), "--corpus", help="Folder of reference files."),
) -> None:
    """Per-tag Cohen's kappa between the corpus labels (of passages and of whole bills) and an
    independent second pass."""
    refs = _references(corpus)
    first = {p.id: set(p.labels) for p in refs.passages}
    first |= {b.id: set(b.labels) for b in refs.bills}  # ids are unique across every file
    try:
        labels = read_labels(second)
        rows, unknown = tag_agreement(first, labels)
    except (AgreementError, OSError) as exc:
        fail(escape(str(exc)))
    if unknown:
        fail(
            f"{len(unknown)} ids of {escape(str(second))} are not in the corpus: "
            + escape(", ".join(unknown[:5]))
        )
    bills = len(set(labels) & {b.id for b in refs.bills})
    console.print(
        f"{len(labels) - bills} passages and {bills} whole bills labelled twice",
        highlight=False,
    )
    console.print(f"{'tag':<26} {'both':>5} {'1st':>5} {'2nd':>5} {'agree':>6} {'kappa':>6}")
    for row in rows:
        kappa = "-" if row.kappa is None else f"{row.kappa:.2f}"
        console.print(
            f"{row.tag:<26} {row.both:>5} {row.first_only:>5} {row.second_only:>5} "
            f"{row.observed:>6.2f} {kappa:>6}",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    """Add the `corpus` command group."""
    group = typer.Typer(
        help="The collected corpus: references in corpus/, texts rebuilt from mirrors.",
        no_args_is_help=True,
    )
    group.command("build")(build)
    group.command("stats")(stats)
    group.command("locate")(locate)
    group.command("agreement")(agreement)
    app.add_typer(group, name="corpus")
