"""Coalition members and what they follow: add, list, remove and import from CSV."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import us
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from billwatch.db.models import Subscriber, Subscription
from billwatch.taxonomy import TAGS

FREQUENCIES = ("immediate", "daily", "weekly")
GROUP_WORDS = ("alert", "track")
_SPLIT = re.compile(r"[,;|]")


class InvalidSubscriber(ValueError):
    """A subscriber entry that cannot be stored; the message says why."""


@dataclass
class SubscriberSpec:
    """A validated subscriber and one subscription."""

    email: str
    name: str | None = None
    organization: str | None = None
    states: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    frequency: str = "daily"
    districts: dict[str, list[str]] = field(default_factory=dict)


MAX_DISTRICTS = 20  # a member lives in one district per chamber; a few states for an office


def normalise_districts(value: str | dict[str, list[str]] | None) -> dict[str, list[str]]:
    """Districts per state from "CA:12,CA:7,NY:59" (or a dict): {"CA": ["12", "7"], "NY": ["59"]}.

    District names are kept as the legislature writes them ("12", "2nd Middlesex"), upper-cased
    state codes first; an item without "STATE:" is an error, not a guess.
    """
    items: list[tuple[str, str]] = []
    if isinstance(value, dict):
        items = [(k, str(d)) for k, ds in value.items() for d in ds]
    else:
        for raw in split_list(value):
            state, sep, district = raw.partition(":")
            if not sep or not district.strip():
                raise InvalidSubscriber(f"district {raw!r} should read STATE:DISTRICT, e.g. CA:12")
            items.append((state, district))
    if len(items) > MAX_DISTRICTS:
        raise InvalidSubscriber(f"at most {MAX_DISTRICTS} districts")
    out: dict[str, list[str]] = {}
    for state, district in items:
        code = normalise_states([state.strip()])[0]
        name = str(clean_text(district, "district"))
        if len(name) > 50:
            raise InvalidSubscriber(f"district {name!r} is longer than 50 characters")
        if name not in out.setdefault(code, []):
            out[code].append(name)
    return out


def split_list(value: str | list[str] | None) -> list[str]:
    """Items of "CA,NY" / "CA; NY" / ["CA", "NY"], stripped, empties dropped."""
    if value is None:
        return []
    items = value if isinstance(value, list) else _SPLIT.split(value)
    return [item.strip() for item in items if item and item.strip()]


def normalise_email(email: str) -> str:
    """The address in normal ASCII form, or InvalidSubscriber with the validator's reason."""
    try:
        # No DNS lookups: imports must work offline and in tests. No SMTPUTF8: a non-ASCII
        # local part ("еve@" in Cyrillic) cannot go through most servers, nor in a To header,
        # and looks like another member's address. Internationalised domains are kept in
        # their ASCII (IDNA) form, which every server takes.
        valid = validate_email(email.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise InvalidSubscriber(f"invalid email address {email!r}: {exc}") from None
    # Lower case throughout, as mail systems treat addresses: "Ana@X.org" is "ana@x.org".
    return (valid.ascii_email or valid.normalized).lower()


# Control characters (CR/LF would break mail headers), line and paragraph separators, and
# bidirectional overrides (which make a name display as something else).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
MAX_TEXT = 200  # the columns' width


def clean_text(value: str | None, what: str) -> str | None:
    """A name, organisation or keyword stripped, or InvalidSubscriber if it holds controls."""
    text = (value or "").strip()
    if _CONTROL.search(text):
        raise InvalidSubscriber(f"{what} {text!r} contains control characters")
    if len(text) > MAX_TEXT:
        raise InvalidSubscriber(f"{what} is longer than {MAX_TEXT} characters")
    return text or None


def normalise_states(states: list[str]) -> list[str]:
    """Two-letter codes for state names or codes ("ca", "New York", "US" for Congress)."""
    codes = []
    for raw in states:
        if raw.upper() == "US":
            codes.append("US")
            continue
        state = us.states.lookup(raw)
        if state is None:
            raise InvalidSubscriber(f"unknown state {raw!r}")
        codes.append(state.abbr)
    return sorted(set(codes))


def normalise_tags(tags: list[str]) -> list[str]:
    """Tag names from the taxonomy, or the group words "alert" / "track"."""
    out = []
    for raw in tags:
        tag = raw.strip().lower().replace("-", "_").replace(" ", "_")
        if tag not in TAGS and tag not in GROUP_WORDS:
            raise InvalidSubscriber(
                f"unknown tag {raw!r} (use alert, track or one of: {', '.join(TAGS)})"
            )
        out.append(tag)
    return sorted(set(out))


def make_spec(
    email: str,
    *,
    name: str | None = None,
    organization: str | None = None,
    states: str | list[str] | None = None,
    tags: str | list[str] | None = None,
    keywords: str | list[str] | None = None,
    frequency: str | None = None,
    districts: str | dict[str, list[str]] | None = None,
) -> SubscriberSpec:
    """Validate one subscriber entry (CLI options or a CSV row)."""
    frequency = (frequency or "daily").strip().lower()
    if frequency not in FREQUENCIES:
        raise InvalidSubscriber(f"unknown frequency {frequency!r} (use {', '.join(FREQUENCIES)})")
    return SubscriberSpec(
        email=normalise_email(email),
        name=clean_text(name, "name"),
        organization=clean_text(organization, "organisation"),
        states=normalise_states(split_list(states)),
        tags=normalise_tags(split_list(tags)),
        keywords=[str(clean_text(k, "keyword")).lower() for k in split_list(keywords)],
        frequency=frequency,
        districts=normalise_districts(districts),
    )


def add_subscriber(session: Session, spec: SubscriberSpec) -> tuple[Subscriber, bool]:
    """Store a subscriber and the subscription; returns (subscriber, created).

    Adding an address again adds the subscription (unless identical) and reactivates it:
    the admin adding someone is an explicit request to receive mail again.
    """
    sub = session.scalar(
        select(Subscriber)
        .where(Subscriber.email == spec.email)
        .options(selectinload(Subscriber.subscriptions))
    )
    created = sub is None
    if sub is None:
        sub = Subscriber(email=spec.email)
        session.add(sub)
    sub.name = spec.name or sub.name
    sub.organization = spec.organization or sub.organization
    if spec.districts:
        sub.districts = {**(sub.districts or {}), **spec.districts}
    sub.status = "active"
    sub.unsubscribed_at = None
    wanted = (spec.states, spec.tags, spec.keywords, spec.frequency)
    if not any((s.states, s.tags, s.keywords, s.frequency) == wanted for s in sub.subscriptions):
        sub.subscriptions.append(
            Subscription(
                states=spec.states, tags=spec.tags, keywords=spec.keywords, frequency=spec.frequency
            )
        )
    session.flush()
    return sub, created


def set_districts(session: Session, email: str, districts: dict[str, list[str]]) -> bool:
    """Replace a subscriber's districts ({} clears them); False when no such subscriber."""
    sub = session.scalar(select(Subscriber).where(Subscriber.email == normalise_email(email)))
    if sub is None:
        return False
    sub.districts = districts
    session.flush()
    return True


def remove_subscriber(session: Session, email: str) -> bool:
    """Delete a subscriber and their subscriptions (outbox rows stay as a record)."""
    sub = session.scalar(select(Subscriber).where(Subscriber.email == normalise_email(email)))
    if sub is None:
        return False
    sub.subscriptions.clear()
    sub.status = "removed"
    session.flush()
    return True


def list_subscribers(session: Session) -> list[Subscriber]:
    """Every subscriber with their subscriptions, by address."""
    return list(
        session.scalars(
            select(Subscriber)
            .options(selectinload(Subscriber.subscriptions))
            .order_by(Subscriber.email)
        )
    )


@dataclass
class ImportResult:
    """What an import did: counts and the rows it skipped with reasons."""

    added: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


CSV_COLUMNS = (
    "email",
    "name",
    "organization",
    "states",
    "tags",
    "keywords",
    "frequency",
    "districts",
)


def import_csv(session: Session, path: Path) -> ImportResult:
    """Import a member list; a bad row is reported (path:line: reason) and skipped."""
    result = ImportResult()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "email" not in [f.strip().lower() for f in reader.fieldnames]:
            raise InvalidSubscriber(f"{path}: no 'email' column in the header")
        for row in reader:
            row = {(k or "").strip().lower(): (v or "") for k, v in row.items()}
            if "org" in row and not row.get("organization"):
                row["organization"] = row["org"]
            where = f"{path}:{reader.line_num}"
            try:
                spec = make_spec(**{k: row.get(k) for k in CSV_COLUMNS})  # type: ignore[arg-type]
            except InvalidSubscriber as exc:
                result.errors.append(f"{where}: {exc}")
                continue
            # One savepoint per row: a failing row never takes the others with it.
            with session.begin_nested():
                _, created = add_subscriber(session, spec)
            if created:
                result.added += 1
            else:
                result.updated += 1
    return result
