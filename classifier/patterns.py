"""Load the per-tag pattern files and turn the pattern notation into spaCy matcher patterns."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacy.language import Language

PATTERNS_DIR = Path(__file__).parent / "patterns"
_ALT = re.compile(r"^[^|\s]+(\|[^|\s]+)+$")


@dataclass(frozen=True)
class Pattern:
    """One pattern: its label (a tag or a cue), a stable key, and its matcher form."""

    label: str
    key: str  # label + source text: stable across reorderings of the files
    phrase: str | None  # a literal phrase for the PhraseMatcher, or None
    elements: tuple[Element, ...] | None  # a gapped pattern for the GapMatcher, or None


@dataclass(frozen=True)
class Element:
    """One step of a gapped pattern: a word (from a set), a regex, or a gap of 0..n tokens."""

    kind: str  # "word", "regex" or "gap"
    words: frozenset[str] = frozenset()
    regex: re.Pattern[str] | None = None
    optional: bool = False
    gap: int = 0


class PatternError(ValueError):
    """A pattern file line that cannot be read."""


def _piece(nlp: Language, piece: str) -> list[Element]:
    if piece == "*":
        return [Element("regex", regex=re.compile(""))]
    if re.fullmatch(r"\*\d", piece):
        return [Element("gap", gap=int(piece[1:]))]
    if piece.startswith("re:"):
        return [Element("regex", regex=re.compile(piece[3:]))]
    optional = piece.endswith("?") and len(piece) > 1
    if optional:
        piece = piece[:-1]
    if _ALT.match(piece):
        return [Element("word", words=frozenset(piece.lower().split("|")), optional=optional)]
    return [
        Element("word", words=frozenset([t.lower_]), optional=optional) for t in nlp.make_doc(piece)
    ]


def _from_token_pattern(raw: list[dict[str, Any]]) -> list[Element]:
    """Elements from a Matcher-style list: LOWER (string, IN, REGEX), {} and OP "?" only."""
    out = []
    for tok in raw:
        op = tok.get("OP")
        lower = tok.get("LOWER")
        if not lower and op is None:
            out.append(Element("regex", regex=re.compile("")))
        elif isinstance(lower, str):
            out.append(Element("word", words=frozenset([lower.lower()]), optional=op == "?"))
        elif isinstance(lower, dict) and "IN" in lower:
            out.append(
                Element("word", words=frozenset(w.lower() for w in lower["IN"]), optional=op == "?")
            )
        elif isinstance(lower, dict) and "REGEX" in lower:
            out.append(Element("regex", regex=re.compile(lower["REGEX"])))
        else:
            raise PatternError(f"unsupported token pattern {tok!r}: use LOWER, IN, REGEX, ?")
    return out


def _is_literal(text: str) -> bool:
    return not any(
        p == "*"
        or re.fullmatch(r"\*\d", p)
        or p.startswith("re:")
        or p.endswith("?")
        or _ALT.match(p)
        for p in text.split()
    )


def compile_pattern(nlp: Language, label: str, raw: Any) -> Pattern:
    """One pattern from its file form (a notation string or a token-pattern list)."""
    if isinstance(raw, list):
        elements = _from_token_pattern(raw)
        return _checked(
            Pattern(label, f"{label}::{json.dumps(raw, sort_keys=True)}", None, tuple(elements))
        )
    if not isinstance(raw, str) or not raw.strip():
        raise PatternError(f"pattern must be a non-empty string or a list, not {raw!r}")
    text = " ".join(raw.split())
    key = f"{label}::{text}"
    if _is_literal(text):
        return Pattern(label, key, text.lower(), None)
    elements = [e for piece in text.split() for e in _piece(nlp, piece)]
    return _checked(Pattern(label, key, None, tuple(elements)))


def _checked(pattern: Pattern) -> Pattern:
    first = pattern.elements[0] if pattern.elements else None
    if first is None or first.kind != "word" or first.optional:
        raise PatternError(f"{pattern.key}: a pattern must start with a word (the anchor)")
    return pattern


def load_patterns(nlp: Language, directory: Path = PATTERNS_DIR) -> list[Pattern]:
    """Every pattern in `directory`: `<tag>.jsonl` files, and `_*.jsonl` cue files with labels."""
    out: list[Pattern] = []
    for path in sorted(directory.glob("*.jsonl")):
        default = None if path.stem.startswith("_") else path.stem
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                label = row.get("label", default)
                if not label:
                    raise PatternError("a cue file line needs a label")
                out.append(compile_pattern(nlp, label, row["pattern"]))
            except (ValueError, KeyError, AttributeError) as exc:
                raise PatternError(f"{path}:{n}: {exc}") from exc
    return out
