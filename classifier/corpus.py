"""The collected corpus: labels with provenance, rebuilt into texts from local git mirrors.

The repository holds references (repository, commit, path, offsets, hash, labels), never text;
`build()` reads each file from a mirror, normalises it and checks every hash. The format is in
corpus/README.md; `normalise()` is the canonical definition of offsets for every data helper.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import subprocess
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from billwatch.text import DocumentError, extract_document
from classifier.data import BILL_SPLITS
from classifier.taxonomy import TAGS

DEFAULT_MIRRORS = Path("/work/.mirror")
MIRRORS_ENV = "BILLWATCH_CORPUS_MIRRORS"
MAX_FILE_BYTES = 8 * 1024 * 1024  # snapshots hold no file of 4 MiB or more; twice that is a bug
GIT_TIMEOUT = 60.0
KINDS = ("passage", "hard_negative")
# the built passages of the test split: held out of training, which reads passages.jsonl
TEST_PASSAGES = "passages-test.jsonl"
MARKUP_SUFFIXES = (".html", ".htm", ".xml", ".xhtml", ".sgml", ".sgm")
# Two-letter postal codes of the states, DC and "US" for Congress.
JURISDICTIONS = frozenset(
    "AK AL AR AZ CA CO CT DE FL GA HI IA ID IL IN KS KY LA MA MD ME MI MN MO MS MT NC ND NE "
    "NH NJ NM NV NY OH OK OR PA RI SC SD TN TX UT VA VT WA WI WV WY DC US".split()
)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_HEX40 = re.compile(r"^[0-9a-f]{40}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_REPO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,38}/[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_PASSAGE_ID = re.compile(r"^[a-z][a-z0-9]{0,15}-\d{4,6}$")
_BILL_ID = re.compile(r"^[a-z][a-z0-9]{0,15}-b\d{3,5}$")
# A JSON string escape: a surrogate pair, one \uXXXX, or one of the short escapes.
_JSON_ESCAPE = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"
    r"|\\u[0-9a-fA-F]{4}|\\[\"\\/bfnrt]"
)


class CorpusError(ValueError):
    """A corpus reference file that breaks the schema; the message names file and line."""


def normalise(raw: bytes, path: str) -> str:
    """The NORMALISED text of a file: decoded, markup removed, whitespace collapsed."""
    text = raw.decode("utf-8", errors="replace")
    if path.lower().endswith(MARKUP_SUFFIXES):
        text = html.unescape(_TAG.sub(" ", text))
    return _SPACE.sub(" ", text).strip()


def _unescape(match: re.Match[str]) -> str:
    char = json.loads(f'"{match.group(0)}"')
    return "\ufffd" if len(char) == 1 and 0xD800 <= ord(char) <= 0xDFFF else char


def decode_json_escapes(text: str, path: str) -> str:
    """A span of a normalised file as its words read: in a JSON file (a scraper's records) the
    span is raw JSON string content, whose escapes ("\\n" between paragraphs, "\\u00a7") are
    decoded, so line breaks end sentences and a section sign is a section sign."""
    if not path.lower().endswith(".json"):
        return text
    return _JSON_ESCAPE.sub(_unescape, text)


def sha256_text(text: str) -> str:
    """The hash of a passage as the schema defines it (UTF-8 bytes)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Source:
    """Where a text lives: a file of a public repository at one commit."""

    repo: str
    commit: str
    path: str

    @property
    def url(self) -> str:
        """The file's address on GitHub at that commit."""
        return f"https://github.com/{self.repo}/blob/{self.commit}/{self.path}"


@dataclass
class PassageRef:
    """One labelled passage: a span of a source file's normalised text."""

    id: str
    jurisdiction: str
    bill: str
    year: int | None
    source: Source
    start: int
    end: int
    sha256: str
    labels: list[str]
    kind: str
    rationale: str
    where: str  # file:line, for messages
    # "test": held out of all training, built into passages-test.jsonl to be measured only
    split: str = "train"


@dataclass
class BillRef:
    """One whole bill labelled at bill level, with the spans that support each tag."""

    id: str
    jurisdiction: str
    bill: str
    year: int | None
    source: Source
    sha256_file: str
    labels: list[str]
    support: dict[str, list[tuple[int, int]]]
    rationale: str
    where: str
    # "train": the bill gate may learn from it; "test": held out, only ever measured
    split: str = "train"


@dataclass
class References:
    """Every reference read from a corpus folder."""

    passages: list[PassageRef] = field(default_factory=list)
    bills: list[BillRef] = field(default_factory=list)
    sources: list[dict[str, str]] = field(default_factory=list)


def bill_key(jurisdiction: str, bill: str) -> tuple[str, str]:
    """A comparable bill identity: 'HB 0012', 'H.B. 12' and 'hb12' are the same bill."""
    compact = re.sub(r"[\s.]+", "", bill.upper())
    return jurisdiction.upper(), re.sub(r"(?<=[A-Z])0+(?=\d)", "", compact)


# ---- reading and validating references ---------------------------------------------------


def _req(row: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in row:
        raise CorpusError(f"{where}: missing field {key!r}")
    value = row[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise CorpusError(f"{where}: field {key!r} has the wrong type ({type(value).__name__})")
    return value


def _common(row: dict[str, Any], where: str) -> tuple[str, str, int | None, Source, list[str]]:
    jurisdiction = _req(row, "jurisdiction", str, where)
    if jurisdiction not in JURISDICTIONS:
        raise CorpusError(f"{where}: unknown jurisdiction {jurisdiction!r}")
    bill = _req(row, "bill", str, where).strip()
    if not bill or len(bill) > 80:
        raise CorpusError(f"{where}: bill must be 1 to 80 characters")
    year = row.get("year")
    if year is not None and (not isinstance(year, int) or isinstance(year, bool)):
        raise CorpusError(f"{where}: year must be an integer or null")
    if year is not None and not 1789 <= year <= 2100:
        raise CorpusError(f"{where}: year {year} is out of range")
    src = _req(row, "source", dict, where)
    source = Source(
        _req(src, "repo", str, where),
        _req(src, "commit", str, where),
        _req(src, "path", str, where),
    )
    if not _REPO.match(source.repo):
        raise CorpusError(f"{where}: source.repo {source.repo!r} is not owner/name")
    if not _HEX40.match(source.commit):
        raise CorpusError(f"{where}: source.commit must be 40 lower-case hex digits")
    if not source.path or source.path.startswith(("/", "-")) or ".." in source.path.split("/"):
        raise CorpusError(f"{where}: source.path {source.path!r} is not a path in the repository")
    labels = _req(row, "labels", list, where)
    unknown = [t for t in labels if t not in TAGS]
    if unknown:
        raise CorpusError(f"{where}: unknown tags {unknown}")
    if len(set(labels)) != len(labels):
        raise CorpusError(f"{where}: a tag is repeated in labels")
    rationale = _req(row, "rationale", str, where).strip()
    if not rationale or len(rationale) > 400:
        raise CorpusError(f"{where}: rationale must be one sentence of 1 to 400 characters")
    return jurisdiction, bill, year, source, labels


def parse_passage(row: Any, where: str) -> PassageRef:
    """A passage reference from one JSON object, or a CorpusError naming `where`."""
    if not isinstance(row, dict):
        raise CorpusError(f"{where}: not a JSON object")
    pid = _req(row, "id", str, where)
    if not _PASSAGE_ID.match(pid):
        raise CorpusError(f"{where}: id {pid!r} is not <helper>-<number>")
    jurisdiction, bill, year, source, labels = _common(row, where)
    start, end = _req(row, "start", int, where), _req(row, "end", int, where)
    if not 0 <= start < end:
        raise CorpusError(f"{where}: need 0 <= start < end (got {start}, {end})")
    digest = _req(row, "sha256", str, where)
    if not _HEX64.match(digest):
        raise CorpusError(f"{where}: sha256 must be 64 lower-case hex digits")
    kind = _req(row, "kind", str, where)
    if kind not in KINDS:
        raise CorpusError(f"{where}: kind must be one of {', '.join(KINDS)}")
    if kind == "hard_negative" and labels:
        raise CorpusError(f"{where}: a hard_negative carries no labels")
    rationale = row["rationale"].strip()
    return PassageRef(
        pid,
        jurisdiction,
        bill,
        year,
        source,
        start,
        end,
        digest,
        labels,
        kind,
        rationale,
        where,
        _split(row, where),
    )


def parse_bill(row: Any, where: str) -> BillRef:
    """A whole-bill reference from one JSON object, or a CorpusError naming `where`."""
    if not isinstance(row, dict):
        raise CorpusError(f"{where}: not a JSON object")
    bid = _req(row, "id", str, where)
    if not _BILL_ID.match(bid):
        raise CorpusError(f"{where}: id {bid!r} is not <helper>-b<number>")
    jurisdiction, bill, year, source, labels = _common(row, where)
    digest = _req(row, "sha256_file", str, where)
    if not _HEX64.match(digest):
        raise CorpusError(f"{where}: sha256_file must be 64 lower-case hex digits")
    raw_support = _req(row, "support", dict, where)
    support: dict[str, list[tuple[int, int]]] = {}
    for tag, spans in raw_support.items():
        if tag not in labels:
            raise CorpusError(f"{where}: support for {tag!r}, which is not in labels")
        if not isinstance(spans, list) or not spans:
            raise CorpusError(f"{where}: support[{tag!r}] must be a non-empty list of spans")
        support[tag] = []
        for span in spans:
            ok = isinstance(span, list) and len(span) == 2
            ok = ok and all(isinstance(x, int) and not isinstance(x, bool) for x in span)
            if not ok or not 0 <= span[0] < span[1]:
                raise CorpusError(f"{where}: support[{tag!r}] span {span!r} is not [start, end]")
            support[tag].append((span[0], span[1]))
    missing = [t for t in labels if t not in support]
    if missing:
        raise CorpusError(f"{where}: labels without support spans: {missing}")
    rationale = row["rationale"].strip()
    return BillRef(
        bid,
        jurisdiction,
        bill,
        year,
        source,
        digest,
        labels,
        support,
        rationale,
        where,
        _split(row, where),
    )


def _split(row: dict[str, Any], where: str) -> str:
    split = row.get("split", "train")
    if split not in BILL_SPLITS:
        raise CorpusError(f"{where}: split must be one of {', '.join(BILL_SPLITS)}, not {split!r}")
    return str(split)


def _rows(path: Path) -> Iterator[tuple[Any, str]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: cannot read: {exc}") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            yield json.loads(line), where
        except ValueError as exc:
            raise CorpusError(f"{where}: not valid JSON ({exc})") from exc


def load_references(corpus_dir: Path) -> References:
    """Read and validate every passages-*.jsonl, bills-*.jsonl and sources-*.jsonl file."""
    if not corpus_dir.is_dir():
        raise CorpusError(f"{corpus_dir}: no such corpus folder")
    refs = References()
    for path in sorted(corpus_dir.glob("passages-*.jsonl")):
        refs.passages.extend(parse_passage(row, where) for row, where in _rows(path))
    for path in sorted(corpus_dir.glob("bills-*.jsonl")):
        refs.bills.extend(parse_bill(row, where) for row, where in _rows(path))
    for path in sorted(corpus_dir.glob("sources-*.jsonl")):
        for row, where in _rows(path):
            if not isinstance(row, dict) or not _REPO.match(str(row.get("repo", ""))):
                raise CorpusError(f"{where}: a source needs repo as owner/name")
            if not _HEX40.match(str(row.get("commit", ""))):
                raise CorpusError(f"{where}: a source needs a 40-hex commit")
            refs.sources.append({k: str(v) for k, v in row.items()})
    check_consistency(refs)
    return refs


def check_consistency(refs: References) -> None:
    """Ids are unique, and no bill labelled whole also gives passages (it is evaluation only)."""
    seen: dict[str, str] = {}
    every: list[PassageRef | BillRef] = [*refs.passages, *refs.bills]
    for ref in every:
        if ref.id in seen:
            raise CorpusError(f"{ref.where}: id {ref.id} is also used at {seen[ref.id]}")
        seen[ref.id] = ref.where
    whole = {bill_key(b.jurisdiction, b.bill): b.where for b in refs.bills}
    for p in refs.passages:
        key = bill_key(p.jurisdiction, p.bill)
        if key in whole:
            raise CorpusError(
                f"{p.where}: {p.jurisdiction} {p.bill} is labelled as a whole bill at "
                f"{whole[key]}; its passages may not be used for training"
            )


def shared_bill_keys(path: Path) -> set[tuple[str, str]]:
    """The (state, bill) pairs of a corpus in the shared shape (missing file: none)."""
    if not path.is_file():
        return set()
    keys = set()
    for row, _where in _rows(path):
        if isinstance(row, dict) and isinstance(row.get("state"), str) and row.get("bill"):
            keys.add(bill_key(row["state"], str(row["bill"])))
    return keys


# ---- mirrors ----------------------------------------------------------------------------


def default_mirrors() -> Path:
    """The mirrors folder: $BILLWATCH_CORPUS_MIRRORS, else /work/.mirror."""
    return Path(os.environ.get(MIRRORS_ENV) or DEFAULT_MIRRORS)


def find_git_dir(mirrors: Path, repo: str) -> Path | None:
    """The git directory of `owner/name` under the mirrors folder (fetch's owner+name/...)."""
    base = mirrors / repo.replace("/", "+")
    for candidate in (base / "repo", base, base / ".git", base / "repo.git"):
        if (candidate / "HEAD").is_file() and (candidate / "objects").is_dir():
            return candidate
    if base.is_dir():  # some other layout: the first git directory one level down
        for child in sorted(base.iterdir()):
            if (child / "HEAD").is_file() and (child / "objects").is_dir():
                return child
    return None


class MissingFile(LookupError):
    """The commit or the path is not in the mirror."""


def _git(git_dir: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["git", f"--git-dir={git_dir}", *args],
        capture_output=True,
        timeout=GIT_TIMEOUT,
        check=False,
        env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"},
    )


def read_blob(git_dir: Path, commit: str, path: str, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of `path` at `commit`, refusing files over `max_bytes`."""
    if not _HEX40.match(commit):
        raise ValueError(f"commit {commit!r} is not 40 hex digits")
    spec = f"{commit}:{path}"
    size = _git(git_dir, "cat-file", "-s", spec)
    if size.returncode != 0:
        raise MissingFile(f"{spec} is not in {git_dir}")
    if int(size.stdout.strip() or 0) > max_bytes:
        raise MissingFile(f"{spec} is larger than {max_bytes} bytes")
    blob = _git(git_dir, "cat-file", "blob", spec)
    if blob.returncode != 0:
        raise MissingFile(f"{spec} cannot be read from {git_dir}")
    return blob.stdout


def head_commit(git_dir: Path) -> str:
    """The commit a mirror's HEAD points to."""
    out = _git(git_dir, "rev-parse", "HEAD")
    if out.returncode != 0:
        raise MissingFile(f"{git_dir} has no HEAD commit")
    return out.stdout.decode().strip()


# ---- locating passages ------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A located passage: offsets into the normalised file text and the passage's hash."""

    start: int
    end: int
    sha256: str
    text: str


def locate(document: str, passage: str, occurrence: int | None = None) -> Span:
    """Find `passage` (whitespace-insensitive) in a normalised document; it must be unambiguous."""
    needle = _SPACE.sub(" ", passage).strip()
    if not needle:
        raise ValueError("the passage text is empty")
    hits = [m.start() for m in re.finditer(re.escape(needle), document)]
    if not hits:
        raise ValueError("the passage text is not in the document")
    if occurrence is None and len(hits) > 1:
        raise ValueError(f"the passage occurs {len(hits)} times; pick one with an occurrence")
    n = occurrence or 1
    if not 1 <= n <= len(hits):
        raise ValueError(f"the passage occurs {len(hits)} time(s); occurrence {n} is not one")
    return span(document, hits[n - 1], hits[n - 1] + len(needle))


def span(document: str, start: int, end: int) -> Span:
    """The span document[start:end] with its hash, checking the offsets."""
    if not 0 <= start < end <= len(document):
        raise ValueError(f"offsets {start}..{end} are outside the document (0..{len(document)})")
    text = document[start:end]
    return Span(start, end, sha256_text(text), text)


# ---- building the cache -----------------------------------------------------------------


@dataclass
class BuildReport:
    """What `build()` did: counts and one message per problem."""

    built: int = 0
    held_out: int = 0  # passages of the test split, written apart from the training passages
    missing_repo: list[str] = field(default_factory=list)
    missing_file: list[str] = field(default_factory=list)
    hash_mismatch: list[str] = field(default_factory=list)
    bad_offsets: list[str] = field(default_factory=list)
    shared_overlap: list[str] = field(default_factory=list)
    # Whole bills `billwatch text` cannot read (a format it has no reader for): evaluated on
    # their normalised text, without marks. Not a problem of the build.
    unread: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        """Every problem message."""
        return [
            *self.missing_repo,
            *self.missing_file,
            *self.hash_mismatch,
            *self.bad_offsets,
            *self.shared_overlap,
        ]

    @property
    def ok(self) -> bool:
        """True when every reference was rebuilt and checked."""
        return not self.problems


class _Documents:
    """Normalised documents read from mirrors, cached per source file."""

    def __init__(self, mirrors: Path, report: BuildReport) -> None:
        self.mirrors, self.report = mirrors, report
        self.git_dirs: dict[str, Path | None] = {}
        self.cache: dict[Source, tuple[bytes, str] | None] = {}

    def get(self, ref: PassageRef | BillRef) -> tuple[bytes, str] | None:
        src = ref.source
        if src.repo not in self.git_dirs:
            self.git_dirs[src.repo] = find_git_dir(self.mirrors, src.repo)
        git_dir = self.git_dirs[src.repo]
        if git_dir is None:
            self.report.missing_repo.append(f"{ref.where}: {ref.id}: no mirror of {src.repo}")
            return None
        if src not in self.cache:
            try:
                raw = read_blob(git_dir, src.commit, src.path)
                self.cache[src] = (raw, normalise(raw, src.path))
            except (MissingFile, subprocess.TimeoutExpired) as exc:
                self.cache[src] = None
                self.report.missing_file.append(f"{ref.where}: {ref.id}: {exc}")
                return None
        elif self.cache[src] is None:
            self.report.missing_file.append(f"{ref.where}: {ref.id}: {src.commit}:{src.path}")
        return self.cache[src]


def _passage_row(ref: PassageRef, text: str) -> dict[str, Any]:
    return {
        "id": ref.id,
        "state": ref.jurisdiction,
        "bill": ref.bill,
        "year": ref.year,
        "url": ref.source.url,
        "text": text,
        "labels": ref.labels,
        "rationale": ref.rationale,
        "kind": ref.kind,
        **({"split": ref.split} if ref.split != "train" else {}),
    }


def read_as_users_do(raw: bytes, path: str, jurisdiction: str) -> dict[str, Any]:
    """A whole bill as `billwatch text` reads it: its text and the inserted and struck spans
    its marks give (bill-level evaluation tags this, as users tag what `billwatch text` prints).
    Raises DocumentError for a format billwatch has no reader for."""
    read = extract_document(raw, filename=path, jurisdiction=jurisdiction)
    return {
        "text": read.text,
        "inserted": [list(s) for s in read.inserted],
        "struck": [list(s) for s in read.struck],
    }


def _bill_row(ref: BillRef, text: str, read: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "id": ref.id,
        "state": ref.jurisdiction,
        "bill": ref.bill,
        "year": ref.year,
        "url": ref.source.url,
        "text": text,
        "labels": ref.labels,
        "rationale": ref.rationale,
        "kind": "bill",
        "split": ref.split,
        "support": {tag: [list(s) for s in spans] for tag, spans in ref.support.items()},
        **({"read": read} if read is not None else {}),
    }


def build(
    corpus_dir: Path, mirrors: Path, out_dir: Path, shared: Path | None = None
) -> BuildReport:
    """Rebuild the corpus texts from mirrors into out_dir, checking every hash."""
    refs = load_references(corpus_dir)
    report = BuildReport()
    excluded = shared_bill_keys(shared) if shared else set()
    docs = _Documents(mirrors, report)
    passages: list[dict[str, Any]] = []
    for ref in refs.passages:
        if bill_key(ref.jurisdiction, ref.bill) in excluded:
            report.shared_overlap.append(f"{ref.where}: {ref.id}: {ref.bill} is in {shared}")
            continue
        doc = docs.get(ref)
        if doc is None:
            continue
        text = doc[1]
        if ref.end > len(text):
            report.bad_offsets.append(f"{ref.where}: {ref.id}: end {ref.end} > {len(text)}")
            continue
        passage = text[ref.start : ref.end]
        if sha256_text(passage) != ref.sha256:
            report.hash_mismatch.append(f"{ref.where}: {ref.id}: passage hash differs")
            continue
        passages.append(_passage_row(ref, decode_json_escapes(passage, ref.source.path)))
    bills: list[dict[str, Any]] = []
    for bref in refs.bills:
        if bill_key(bref.jurisdiction, bref.bill) in excluded:
            report.shared_overlap.append(f"{bref.where}: {bref.id}: {bref.bill} is in {shared}")
            continue
        doc = docs.get(bref)
        if doc is None:
            continue
        raw, text = doc
        if hashlib.sha256(raw).hexdigest() != bref.sha256_file:
            report.hash_mismatch.append(f"{bref.where}: {bref.id}: file hash differs")
            continue
        outside = [s for spans in bref.support.values() for s in spans if s[1] > len(text)]
        if outside:
            report.bad_offsets.append(f"{bref.where}: {bref.id}: support {outside[0]} outside")
            continue
        read: dict[str, Any] | None
        try:
            read = read_as_users_do(raw, bref.source.path, bref.jurisdiction)
        except DocumentError as exc:
            # Support offsets stay those of the normalised text; the bill is tagged as it reads.
            plain = decode_json_escapes(text, bref.source.path)
            read = {"text": plain, "inserted": [], "struck": []} if plain != text else None
            report.unread.append(f"{bref.where}: {bref.id}: {exc}")
        bills.append(_bill_row(bref, text, read))
    report.built = len(passages) + len(bills)
    held_out = [p for p in passages if p.get("split") == "test"]
    report.held_out = len(held_out)
    # Training reads passages.jsonl alone, so the test split never reaches it.
    _write_jsonl(out_dir / "passages.jsonl", [p for p in passages if p.get("split") != "test"])
    _write_jsonl(out_dir / TEST_PASSAGES, held_out)
    _write_jsonl(out_dir / "bills.jsonl", bills)
    return report


def _write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    """Write rows atomically, so a failed build never leaves half a cache."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".jsonl.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    tmp.replace(path)


# ---- statistics -------------------------------------------------------------------------


@dataclass
class Stats:
    """Counts over the references (no mirrors needed)."""

    tags: Counter[str]
    kinds: Counter[str]
    jurisdictions: Counter[str]
    bill_tags: Counter[str]
    bill_jurisdictions: Counter[str]
    passages: int
    bills: int
    held_out: int = 0  # passages of the test split


def stats(refs: References) -> Stats:
    """Counts per tag, kind and jurisdiction for passages, and per tag for whole bills."""
    return Stats(
        tags=Counter(t for p in refs.passages for t in p.labels),
        kinds=Counter(p.kind for p in refs.passages),
        jurisdictions=Counter(p.jurisdiction for p in refs.passages),
        bill_tags=Counter(t for b in refs.bills for t in b.labels),
        bill_jurisdictions=Counter(b.jurisdiction for b in refs.bills),
        passages=len(refs.passages),
        bills=len(refs.bills),
        held_out=sum(p.split == "test" for p in refs.passages),
    )
