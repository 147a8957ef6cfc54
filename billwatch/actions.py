"""Action classification (ordered regex rules, Open Civic Data vocabulary) and bill status."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

Rule = tuple[re.Pattern[str], list[str]]


def rules(*pairs: tuple[str, list[str]]) -> list[Rule]:
    """Compile (regex, classifications) pairs; the first match wins."""
    return [(re.compile(pattern, re.I), classes) for pattern, classes in pairs]


# Generic rules for action text as most legislatures write it; sources may put their own first.
GENERIC_RULES: list[Rule] = rules(
    (r"\bvetoed\b|\bveto(ed)? by governor\b", ["executive-veto"]),
    (r"veto overridden|override of veto", ["veto-override-passage"]),
    (
        r"chaptered|became law|became public law|became act|public law no|signed into law"
        r"|approved by (the )?governor|signed by (the )?(governor|president)|act no\.",
        ["executive-signature", "became-law"],
    ),
    (
        r"(sent|delivered|presented|transmitted|enrolled and presented) to (the )?governor"
        r"|to governor|presented to (the )?president|to the president",
        ["executive-receipt"],
    ),
    (r"withdrawn", ["withdrawal"]),
    (r"\b(died|failed|indefinitely postponed|tabled|held in committee|defeated)\b", ["failure"]),
    (
        r"hearing (set|scheduled|canceled|cancelled)|set for (first )?hearing|scheduled for hearing"
        r"|committee hearing|public hearing|\b(first|second|third|fourth|\d+(st|nd|rd|th)) hearing"
        r"|hearing held|heard in committee",
        ["hearing"],
    ),
    (r"concur", ["concurrence"]),
    (
        r"do pass|reported (out )?(favorably|with|without|as amended|favorable)|reported from"
        r"|ordered reported|committee report|recommended (for|to) pass|reported to (the )?(house"
        r"|senate|floor)|passed committee|voted out of committee|favorabl[ey]",
        ["committee-passage"],
    ),
    (r"amend", ["amendment-passage"]),
    (
        r"passed|third reading,? (final )?passage|read third time and passed|adopted|agreed to"
        r"|passage",
        ["passage"],
    ),
    (
        r"refer+ed to|re-?refer+ed|referral|assigned to .*committee|committee on",
        ["referral-committee"],
    ),
    (r"second reading|read (a )?second time|2nd reading", ["reading-2"]),
    (r"third reading|read (a )?third time|3rd reading", ["reading-3"]),
    (
        r"introduced|first reading|read first time|prefiled|pre-filed|filed|1st reading",
        ["introduction"],
    ),
)

# Stages in the order a bill moves; status is the furthest stage its actions reach.
STAGE_ORDER = [
    "introduced",
    "in committee",
    "passed committee",
    "passed one chamber",
    "passed both chambers",
    "sent to executive",
    "enacted",
]
TERMINAL = {"vetoed", "failed", "withdrawn"}


def classify_action(description: str, extra_rules: Sequence[Rule] = ()) -> list[str]:
    """OCD classifications for one action's text, from the source's rules then the generic ones."""
    for pattern, classes in [*extra_rules, *GENERIC_RULES]:
        if pattern.search(description):
            return list(classes)
    return []


def derive_stage(actions: Iterable[tuple[str | None, list[str]]]) -> str | None:
    """The bill's stage from (organization, classifications) of its actions in order."""
    stage_index = -1
    passed_chambers: set[str] = set()
    terminal: str | None = None
    for organization, classes in actions:
        index = -1
        if "became-law" in classes or "executive-signature" in classes:
            index = 6
        elif "executive-receipt" in classes:
            index = 5
        elif "passage" in classes or "veto-override-passage" in classes:
            passed_chambers.add(organization or f"chamber-{len(passed_chambers)}")
            index = 4 if len(passed_chambers) >= 2 else 3
        elif "committee-passage" in classes:
            index = 2
        elif "referral-committee" in classes or "hearing" in classes:
            index = 1
        elif "introduction" in classes:
            index = 0
        if "executive-veto" in classes:
            terminal = "vetoed"
        elif "failure" in classes:
            terminal = "failed"
        elif "withdrawal" in classes:
            terminal = "withdrawn"
        elif index >= 0:
            terminal = None if index > stage_index or terminal is None else terminal
        stage_index = max(stage_index, index)
    if stage_index == 6:
        return "enacted"
    if terminal:
        return terminal
    return STAGE_ORDER[stage_index] if stage_index >= 0 else None
