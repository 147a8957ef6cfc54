"""One search syntax (phrases, OR, NOT, prefix*) that means the same on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from billwatch.cli import app
from billwatch.db.queries import search
from billwatch.db.search_syntax import QuerySyntaxError, parse, to_fts5, to_tsquery
from billwatch.db.store import upsert_bill
from billwatch.records import BillRecord, VersionRecord

TEXTS = {
    "AB 1": "A labor recruiter shall register with the department.",
    "AB 2": "Forced labor in detention is prohibited.",
    "AB 3": "Loitering for prostitution is repealed; records are sealed.",
    "AB 4": "The recruiting agency shall pay wages weekly; labor is protected.",
}


@pytest.fixture
def bills(Session):
    with Session.begin() as s:
        for identifier, text in TEXTS.items():
            upsert_bill(
                s,
                BillRecord(
                    jurisdiction="CA",
                    session="2025-2026",
                    identifier=identifier,
                    title="An act",
                    versions=[VersionRecord(note="Introduced", text=text)],
                ),
            )
    return Session


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("labor", {"AB 1", "AB 2", "AB 4"}),
        ("labor register", {"AB 1"}),
        ("labor recruiter", {"AB 1", "AB 4"}),  # stemmed alike: recruiter, recruiting
        ('"forced labor"', {"AB 2"}),
        ('"labor forced"', set()),
        ("prostitution OR detention", {"AB 2", "AB 3"}),
        ("labor NOT forced", {"AB 1", "AB 4"}),
        ("labor -forced", {"AB 1", "AB 4"}),
        ("recruit*", {"AB 1", "AB 4"}),
        ("(prostitution OR forced) NOT detention", {"AB 3"}),
        ("records sealed", {"AB 3"}),  # stemming: "records" finds "records", "sealed" "sealed"
    ],
)
def test_the_syntax_means_the_same_on_each_dialect(bills, query, expected):
    with bills() as s:
        assert {h.identifier for h in search(s, query)} == expected


def test_snippets_keep_the_matched_words_and_mark_them(bills):
    with bills() as s:
        [hit] = search(s, '"forced labor"')
    assert "Forced labor in detention" in hit.snippet
    assert [hit.snippet[a:b].lower() for a, b in hit.matches] == ["forced", "labor"]


def test_the_terminal_shows_matched_words_that_look_like_markup(Session):
    with Session.begin() as s:
        upsert_bill(
            s,
            BillRecord(
                jurisdiction="CA",
                session="2025-2026",
                identifier="AB 9",
                title="An act",
                versions=[
                    VersionRecord(
                        note="Introduced", text="Register as a [bold]broker[/bold] under this act."
                    )
                ],
            ),
        )
    result = CliRunner().invoke(app, ["search", "broker"])
    assert result.exit_code == 0, result.output
    assert "[bold]broker[/bold]" in result.stdout


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("NOT labor", "NOT needs a word to keep"),
        ('"forced labor', "phrase is not closed"),
        ("(labor", r"\( is not closed"),
        ("labor OR", "OR needs words on both sides"),
        ("***", "no letters or digits"),
        ("x" * 501, "longer than 500"),
    ],
)
def test_unreadable_queries_say_why(query, message):
    with pytest.raises(QuerySyntaxError, match=message):
        parse(query)


def test_compiled_forms():
    node = parse('"forced labor" OR recruit* NOT fee')
    assert node is not None
    assert to_fts5(node) == '("forced labor" OR (("recruit"*) NOT "fee"))'
    assert to_tsquery(node) == "(('forced' <-> 'labor') | (('recruit':*) & !('fee')))"


def test_search_command_reports_bad_syntax(Session):
    result = CliRunner().invoke(app, ["search", "NOT labor"])
    assert result.exit_code == 2
    assert "NOT needs a word to keep" in result.stderr
