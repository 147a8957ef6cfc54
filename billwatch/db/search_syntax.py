"""The one search syntax, compiled for SQLite FTS5 and for PostgreSQL `to_tsquery`.

    labor recruiter        both words (AND is implied; writing AND is allowed)
    "forced labor"         the phrase: these words next to each other, in order
    trafficking OR labor   either word
    NOT prostitution       leave out texts with the word (also `-prostitution`); needs a word to
                           keep as well: `trafficking NOT prostitution`
    recruit*               words that start with "recruit"
    (a OR b) c             parentheses group

Words are matched after stemming (Porter on SQLite, English Snowball on PostgreSQL), case and
punctuation ignored. Anything else is an error that says what was wrong, never silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_QUERY = 500  # characters; a search box, not a document
_TOKEN = re.compile(r'\s*(?:(\()|(\))|"([^"]*)"|(-)(?=\S)|([^\s()"]+))')


class QuerySyntaxError(ValueError):
    """A search query the syntax cannot read; the message says why."""


@dataclass(frozen=True)
class Term:
    """A word (`prefix`: ends with *) or a phrase of words."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Op:
    """AND / OR of parts; `negated` parts of an AND are left out."""

    kind: str  # "and", "or"
    parts: tuple[Node, ...]
    negated: tuple[Node, ...] = ()


Node = Term | Op


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in re.findall(r"[^\W_]+", text))


def _tokens(query: str) -> list[tuple[str, str]]:
    if len(query) > MAX_QUERY:
        raise QuerySyntaxError(f"the query is longer than {MAX_QUERY} characters")
    if query.count('"') % 2:
        raise QuerySyntaxError('a phrase is not closed: add the second "')
    tokens, pos = [], 0
    while pos < len(query.rstrip()):
        match = _TOKEN.match(query, pos)
        if match is None:  # pragma: no cover - the pattern accepts every non-space run
            raise QuerySyntaxError(f"cannot read the query at {query[pos:]!r}")
        pos = match.end()
        opening, closing, phrase, minus, word = match.groups()
        if opening:
            tokens.append(("(", "("))
        elif closing:
            tokens.append((")", ")"))
        elif phrase is not None:
            tokens.append(("phrase", phrase))
        elif minus:
            tokens.append(("NOT", "-"))
        elif word in ("AND", "OR", "NOT"):
            tokens.append((word, word))
        else:
            tokens.append(("word", word))
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens, self.i = tokens, 0

    def peek(self) -> str | None:
        return self.tokens[self.i][0] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def or_expr(self) -> Node:
        parts = [self.and_expr()]
        while self.peek() == "OR":
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else Op("or", tuple(parts))

    def and_expr(self) -> Node:
        keep: list[Node] = []
        drop: list[Node] = []
        while self.peek() not in (None, ")", "OR"):
            if self.peek() == "AND":
                self.take()
                continue
            if self.peek() == "NOT":
                self.take()
                drop.append(self.atom())
            else:
                keep.append(self.atom())
        if not keep:
            raise QuerySyntaxError(
                "NOT needs a word to keep too, e.g. `trafficking NOT prostitution`"
                if drop
                else "OR needs words on both sides"
            )
        if len(keep) == 1 and not drop:
            return keep[0]
        return Op("and", tuple(keep), tuple(drop))

    def atom(self) -> Node:
        kind, value = self.take() if self.peek() else ("end", "")
        if kind == "(":
            node = self.or_expr()
            if self.peek() != ")":
                raise QuerySyntaxError("a ( is not closed")
            self.take()
            return node
        if kind == "phrase":
            words = _words(value)
            if not words:
                raise QuerySyntaxError('a phrase "" has no words')
            return Term(words)
        if kind == "word":
            prefix = value.endswith("*")
            words = _words(value)
            if not words:
                raise QuerySyntaxError(f"{value!r} has no letters or digits to search for")
            return Term(words, prefix=prefix)
        raise QuerySyntaxError(f"expected a word, found {value or 'the end'!r}")


def parse(query: str) -> Node | None:
    """The query's tree; None for a query with nothing in it."""
    tokens = _tokens(query)
    if not tokens:
        return None
    parser = _Parser(tokens)
    node = parser.or_expr()
    if parser.peek() is not None:
        raise QuerySyntaxError(f"unexpected {parser.take()[1]!r}")
    return node


def to_fts5(node: Node) -> str:
    """FTS5 MATCH text: every word quoted, so nothing in it is read as FTS5 syntax."""
    if isinstance(node, Term):
        quoted = '"' + " ".join(node.words) + '"'
        return quoted + ("*" if node.prefix else "")
    if node.kind == "or":
        return "(" + " OR ".join(to_fts5(p) for p in node.parts) + ")"
    text = "(" + " AND ".join(to_fts5(p) for p in node.parts) + ")"
    for part in node.negated:
        text = f"({text} NOT {to_fts5(part)})"
    return text


def to_tsquery(node: Node) -> str:
    """PostgreSQL `to_tsquery` text with the same meaning (words are letters and digits only)."""
    if isinstance(node, Term):
        lexemes = [f"'{w}'" for w in node.words]
        if node.prefix:
            lexemes[-1] += ":*"
        return "(" + " <-> ".join(lexemes) + ")"
    if node.kind == "or":
        return "(" + " | ".join(to_tsquery(p) for p in node.parts) + ")"
    parts = [to_tsquery(p) for p in node.parts] + [f"!{to_tsquery(p)}" for p in node.negated]
    return "(" + " & ".join(parts) + ")"
