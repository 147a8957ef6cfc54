"""Pure building of what a digest or alert says, from plain snapshots of bills (no database)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field, replace

from billwatch.taxonomy import ALERT_TAGS, BY_NAME, TRACK_TAGS, stance

EVIDENCE_CONTEXT = 70  # characters of text shown either side of an evidence quote
# Bills shown in full in one digest; the rest are listed in a line each. Gmail clips messages
# over 102 KB and nobody reads fifty bills on a phone: the ALERT bills come first anyway.
DETAIL_LIMIT = 20
LIST_LIMIT = 40  # bills listed in one line after those; past that, only a count


@dataclass
class SectionRef:
    """One section of a bill's text that carries a tag: its label (when the text has one)."""

    label: str | None
    index: int
    evidence: str

    @property
    def name(self) -> str:
        """How a caller names it: "section 5502.71", or by its words when it has no label."""
        if self.label:
            label = self.label.strip()
            return (
                label if label.lower().startswith(("section", "sec.", "§")) else f"section {label}"
            )
        words = " ".join(self.evidence.split())
        short = words if len(words) <= 60 else words[:57].rsplit(" ", 1)[0] + "…"
        return f'the section that reads "{short}"' if short else f"section no. {self.index + 1}"


@dataclass
class TagView:
    """A tag on a bill's current version with its best evidence."""

    name: str
    score: float
    evidence: str
    before: str = ""  # text just before the quote, for context
    after: str = ""
    section_label: str | None = None
    inserted: str | None = None  # the inserted text that carries this tag, when it does
    sections: int = 1
    places: list[SectionRef] = field(default_factory=list)  # every section carrying the tag

    @property
    def group(self) -> str:
        """ALERT or TRACK."""
        return BY_NAME[self.name].group if self.name in BY_NAME else "TRACK"

    @property
    def label(self) -> str:
        """Short human label."""
        return BY_NAME[self.name].label if self.name in BY_NAME else self.name

    @property
    def why(self) -> str:
        """The coalition's words for why it matters."""
        return BY_NAME[self.name].why if self.name in BY_NAME else ""


@dataclass
class ActionView:
    """One action of a bill."""

    key: str
    date: dt.date
    description: str
    organization: str | None
    classification: list[str]
    created_at: dt.datetime


@dataclass
class HearingView:
    """A hearing with the bill on its agenda."""

    event_id: int
    name: str
    committee: str | None
    committee_id: int | None
    chamber: str | None
    start: dt.datetime
    location: str | None
    status: str
    url: str | None
    updated_at: dt.datetime
    livestream_url: str | None = None


@dataclass
class BillSnapshot:
    """Everything a digest or an alert shows about one bill, read once from the database."""

    bill_id: int
    jurisdiction_id: int
    state: str
    state_name: str
    session: str
    identifier: str
    title: str
    status: str | None
    first_seen: dt.datetime
    source_url: str | None = None
    version_note: str | None = None
    version_date: dt.date | None = None
    version_url: str | None = None
    version_created_at: dt.datetime | None = None
    tags: list[TagView] = field(default_factory=list)
    tags_added: list[str] = field(default_factory=list)
    tags_removed: list[str] = field(default_factory=list)
    tags_changed_at: dt.datetime | None = None  # newest tag row of the current version
    has_previous_version: bool = False
    actions: list[ActionView] = field(default_factory=list)
    hearings: list[HearingView] = field(default_factory=list)
    haystack: str = ""  # title, subjects and current text, lower case, for keywords

    @property
    def tag_names(self) -> set[str]:
        """Names of the current version's tags."""
        return {t.name for t in self.tags}

    @property
    def stance(self) -> str:
        """ALERT, TRACK, mixed or none."""
        return stance(self.tag_names)

    @property
    def is_alert(self) -> bool:
        """Whether any ALERT tag is on the bill."""
        return bool(self.tag_names & ALERT_TAGS)

    @property
    def last_action(self) -> ActionView | None:
        """The newest action."""
        return self.actions[-1] if self.actions else None

    def next_hearing(self, now: dt.datetime) -> HearingView | None:
        """The next hearing that is not cancelled."""
        upcoming = [h for h in self.hearings if h.start >= now and h.status != "cancelled"]
        return min(upcoming, key=lambda h: h.start) if upcoming else None


def evidence_window(text: str, start: int | None, end: int | None, quote: str) -> tuple[str, str]:
    """Up to EVIDENCE_CONTEXT characters before and after a quote, cut at word boundaries."""
    if start is None or end is None or not (0 <= start <= end <= len(text)):
        return "", ""
    before = text[max(0, start - EVIDENCE_CONTEXT) : start]
    after = text[end : end + EVIDENCE_CONTEXT]
    if start > EVIDENCE_CONTEXT and " " in before:
        before = "…" + before.split(" ", 1)[1]
    if end + EVIDENCE_CONTEXT < len(text) and " " in after:
        after = after.rsplit(" ", 1)[0] + "…"
    return " ".join(before.split()) + (" " if before[-1:].isspace() else ""), (
        " " if after[:1].isspace() else ""
    ) + " ".join(after.split())


def inserted_overlap(
    spans: list[list[int]], text: str, start: int | None, end: int | None
) -> str | None:
    """The inserted words around an evidence span, if the version inserted any of them.

    Only the part of the insertion near the quote is shown: a new section can be pages long.
    """
    if start is None or end is None:
        return None
    lo, hi = max(0, start - EVIDENCE_CONTEXT), end + EVIDENCE_CONTEXT
    pieces = []
    for s, e in sorted(spans):
        if s < end and start < e:  # the insertion touches the quote itself
            piece = " ".join(text[max(s, lo) : min(e, hi)].split())
            pieces.append(("…" if s < lo else "") + piece + ("…" if e > hi else ""))
    return " / ".join(pieces) or None


# --- what changed, and who wants it -------------------------------------------------------


def change_reasons(bill: BillSnapshot, since: dt.datetime, now: dt.datetime) -> list[str]:
    """Why the bill is in a digest covering (since, now]: new bill/version/tags/actions/hearing."""
    reasons = []
    if bill.first_seen > since:
        reasons.append("new bill")
    if bill.version_created_at and bill.version_created_at > since and bill.has_previous_version:
        reasons.append("new version")
    if bill.tags_changed_at and bill.tags_changed_at > since:
        reasons.append("new tags")
    if any(a.created_at > since for a in bill.actions):
        reasons.append("new actions")
    if any(
        h.updated_at > since and h.start >= now and h.status != "cancelled" for h in bill.hearings
    ):
        reasons.append("upcoming hearing")
    return reasons


def wanted_tags(bill_tags: set[str], wanted: list[str]) -> set[str]:
    """The bill's tags a subscription asks for ("alert" and "track" stand for their groups)."""
    names = set()
    for item in wanted:
        if item == "alert":
            names |= bill_tags & ALERT_TAGS
        elif item == "track":
            names |= bill_tags & TRACK_TAGS
        elif item in bill_tags:
            names.add(item)
    return names


def matches(bill: BillSnapshot, states: list[str], tags: list[str], keywords: list[str]) -> bool:
    """Whether a bill fits a subscription.

    States: empty means all. Tags: the bill must carry one asked for; with no tags asked, any
    tag will do unless keywords are given, in which case keywords alone decide.
    """
    if states and bill.state not in states:
        return False
    keyword_hit = any(k.lower() in bill.haystack for k in keywords)
    if tags:
        return bool(wanted_tags(bill.tag_names, tags)) and (not keywords or keyword_hit)
    if keywords:
        return keyword_hit
    return bool(bill.tags)


def sort_key(bill: BillSnapshot) -> tuple[int, float, str, str]:
    """ALERT bills first, then TRACK, then the rest; newest action first within each."""
    group = 0 if bill.is_alert else 1 if bill.tags else 2
    last = bill.last_action.date.toordinal() if bill.last_action else 0
    return group, -last, bill.state, bill.identifier


# --- digests -------------------------------------------------------------------------------


@dataclass
class DigestItem:
    """One bill in a digest, with why it is there."""

    bill: BillSnapshot
    reasons: list[str]
    next_hearing: HearingView | None


@dataclass
class Recipient:
    """Who a message goes to."""

    subscriber_id: int
    email: str
    name: str | None = None
    organization: str | None = None


@dataclass
class DigestContext:
    """Everything a digest template needs."""

    recipient: Recipient
    frequency: str
    period: str  # "2025-03-04" or "2025-W10": the idempotency period
    since: dt.datetime
    now: dt.datetime
    items: list[DigestItem]  # shown in full
    more: list[DigestItem]  # listed in one line each
    left_out: int  # counted only
    by_state: list[tuple[str, int]]
    by_tag: list[tuple[str, str, int]]  # (name, label, count)
    freshness: list[tuple[str, dt.datetime | None]]
    alert_count: int
    track_count: int

    @property
    def total(self) -> int:
        """Bills in the digest, in full or listed."""
        return len(self.items) + len(self.more) + self.left_out


def build_digest(
    recipient: Recipient,
    subscriptions: list[tuple[list[str], list[str], list[str]]],
    bills: list[BillSnapshot],
    *,
    frequency: str,
    period: str,
    since: dt.datetime,
    now: dt.datetime,
    freshness: dict[str, dt.datetime | None],
    followed: set[int] | frozenset[int] = frozenset(),
) -> DigestContext | None:
    """The digest for one subscriber, or None when nothing they follow changed (no empty mail).

    `followed` bills (the workbench's follows and saved searches) come whatever the subscriptions.
    """
    items = []
    for bill in sorted(bills, key=sort_key):
        if bill.bill_id not in followed and not any(matches(bill, *sub) for sub in subscriptions):
            continue
        reasons = change_reasons(bill, since, now)
        if reasons:
            items.append(DigestItem(bill, reasons, bill.next_hearing(now)))
    if not items:
        return None
    states = Counter(i.bill.state for i in items)
    tags = Counter(t.name for i in items for t in i.bill.tags)
    return DigestContext(
        recipient=recipient,
        frequency=frequency,
        period=period,
        since=since,
        now=now,
        items=items[:DETAIL_LIMIT],
        more=items[DETAIL_LIMIT : DETAIL_LIMIT + LIST_LIMIT],
        left_out=max(0, len(items) - DETAIL_LIMIT - LIST_LIMIT),
        by_state=sorted(states.items()),
        by_tag=[
            (name, BY_NAME[name].label if name in BY_NAME else name, n)
            for name, n in sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        freshness=sorted((s, freshness.get(s)) for s in states),
        alert_count=sum(1 for i in items if i.bill.is_alert),
        track_count=sum(1 for i in items if not i.bill.is_alert and i.bill.tags),
    )


# --- rapid response ------------------------------------------------------------------------

TRIGGER_CLASSES = {  # action classification -> (kind, what the alert calls it)
    "hearing": ("hearing", "Hearing scheduled"),
    "committee-passage": ("committee-vote", "Committee vote"),
    "passage": ("passage", "Passed a chamber"),
    "executive-receipt": ("governor", "Sent to the governor"),
}
CHAMBERS = {"upper": "Senate", "lower": "House/Assembly", "legislature": "Legislature"}


@dataclass
class Trigger:
    """Something that happened to an ALERT bill that calls for action, with a stable key."""

    key: str  # "event:<id>" or "action:<action_key>": one alert per (bill, key)
    kind: str
    label: str
    when: dt.date | dt.datetime
    description: str
    organization: str | None = None
    committee: str | None = None
    committee_id: int | None = None
    chamber: str | None = None
    location: str | None = None


def detect_triggers(bill: BillSnapshot, now: dt.datetime, lookback_days: int) -> list[Trigger]:
    """Recent triggers on a bill with an ALERT tag: hearings ahead, votes, passage, governor."""
    if not bill.is_alert:
        return []
    triggers = []
    hearing_days = set()
    for h in bill.hearings:
        if h.start >= now and h.status != "cancelled":
            hearing_days.add(h.start.date())
            triggers.append(
                Trigger(
                    key=f"event:{h.event_id}",
                    kind="hearing",
                    label="Hearing scheduled",
                    when=h.start,
                    description=h.name,
                    committee=h.committee,
                    committee_id=h.committee_id,
                    chamber=h.chamber,
                    location=h.location,
                )
            )
    oldest = now.date() - dt.timedelta(days=lookback_days)
    for action in bill.actions:
        if action.date < oldest:
            continue
        for cls, (kind, label) in TRIGGER_CLASSES.items():
            if cls not in action.classification:
                continue
            if kind == "hearing" and hearing_days:
                break  # the agenda of an upcoming hearing already announces it, more precisely
            organization = action.organization
            chamber = organization if organization in CHAMBERS else None
            triggers.append(
                Trigger(
                    key=f"action:{action.key}",
                    kind=kind,
                    label=label,
                    when=action.date,
                    description=action.description,
                    organization=organization,
                    chamber=chamber,
                    committee=None if chamber or not organization else organization,
                )
            )
            break
    return triggers


@dataclass
class Contact:
    """A legislator to call, with why they are on the list."""

    name: str
    role: str | None
    party: str | None
    chamber: str | None
    district: str | None
    phone: str | None
    email: str | None
    person_id: int | None = None
    reasons: list[str] = field(default_factory=list)  # "chairs the committee", "sponsor", ...
    own: bool = False  # represents the member's own district: only then "I am a constituent"
    leverage: int = 9  # lower first: own, chair, vice chair, sponsors, swing, members


@dataclass
class Record:
    """How a legislator voted on the coalition's bills in stored roll calls."""

    with_coalition: int
    against_coalition: int
    majority: bool  # of the chamber's majority party


LEVERAGE = {"own": 0, "chair": 1, "vice chair": 2, "sponsor": 3, "swing": 4, "member": 9}
CHAIRS = {"chair": "chair", "co-chair": "chair", "vice chair": "vice chair"}
CHAIRS["vice-chair"] = "vice chair"


def rank_targets(
    contacts: list[Contact],
    sponsors: dict[int, str],
    records: dict[int, Record],
    own: list[Contact],
    on_committee: bool,
) -> list[Contact]:
    """Order whom to call by leverage and say why each one is listed.

    `sponsors`: person id -> "primary" or "cosponsor"; `records`: person id -> their roll-call
    record; `own`: the member's own legislators (found by state, chamber and district), who come
    first whether or not they sit on the committee.
    """
    own_ids = {c.person_id for c in own if c.person_id is not None}
    listed = {c.person_id for c in contacts if c.person_id is not None}
    extra = [o for o in own if o.person_id not in listed]
    out: list[Contact] = []
    # Copies: the same committee list serves every member, each with their own districts.
    for n, c in enumerate(replace(x, reasons=[]) for x in [*contacts, *extra]):
        on_list = n < len(contacts)
        reasons: list[str] = []
        leverage = LEVERAGE["member"]
        if c.person_id in own_ids:
            c.own = True
            reasons.append(f"represents your district{f' ({c.district})' if c.district else ''}")
            leverage = LEVERAGE["own"]
        role = CHAIRS.get((c.role or "").lower())
        if role and on_committee:
            reasons.append(f"{'chairs' if role == 'chair' else 'is vice chair of'} the committee")
            leverage = min(leverage, LEVERAGE[role])
        kind = sponsors.get(c.person_id) if c.person_id is not None else None
        if kind:
            what = "sponsors" if kind == "primary" else "co-sponsors"
            where = " and sits on the committee hearing it" if on_committee and on_list else ""
            reasons.append(f"{what} the bill{where}")
            leverage = min(leverage, LEVERAGE["sponsor"])
        record = records.get(c.person_id) if c.person_id is not None else None
        if record and record.with_coalition and record.against_coalition:
            votes = record.with_coalition + record.against_coalition
            majority = ", majority party" if record.majority else ""
            reasons.append(
                f"swing vote: sided with the coalition on {record.with_coalition} of {votes} "
                f"stored roll calls{majority}"
            )
            leverage = min(leverage, LEVERAGE["swing"])
        if not reasons and on_committee and on_list:
            reasons.append("sits on the committee")
        c.reasons, c.leverage = reasons, leverage
        out.append(c)
    return sorted(out, key=lambda c: (c.leverage, not c.reasons, c.name))


@dataclass
class AlertContext:
    """Everything an alert template needs."""

    recipient: Recipient
    bill: BillSnapshot
    trigger: Trigger
    reasons: list[TagView]  # the ALERT tags the subscriber follows, with evidence
    contacts: list[Contact]
    contacts_more: int
    contact_target: str  # whom the contacts are: "Members of the Senate Public Safety Committee"
    script_tag: str  # the tag whose call script is used
    now: dt.datetime

    @property
    def hearing(self) -> HearingView | None:
        """The hearing the alert is about, when its trigger is one."""
        if self.trigger.kind != "hearing":
            return None
        return next(
            (h for h in self.bill.hearings if f"event:{h.event_id}" == self.trigger.key), None
        )

    @property
    def has_own(self) -> bool:
        """Whether any of the listed legislators represents the member's district."""
        return any(c.own for c in self.contacts)

    @property
    def mixed(self) -> bool:
        """ALERT and TRACK tags in different sections: amend, not a flat no."""
        return self.bill.stance == "mixed" and bool(self.strike) and bool(self.keep)

    @property
    def strike(self) -> list[tuple[SectionRef, TagView]]:
        """The sections carrying ALERT tags (one entry per section), in text order."""
        return _places(self.bill.tags, "ALERT")

    @property
    def keep(self) -> list[tuple[SectionRef, TagView]]:
        """The sections carrying only TRACK tags, in text order."""
        struck = {p.index for p, _ in self.strike}
        return [(p, t) for p, t in _places(self.bill.tags, "TRACK") if p.index not in struck]


def _places(tags: list[TagView], group: str) -> list[tuple[SectionRef, TagView]]:
    found: dict[int, tuple[SectionRef, TagView]] = {}
    for tag in tags:
        if tag.group != group:
            continue
        places = tag.places or [SectionRef(tag.section_label, -1, tag.evidence)]
        for place in places:
            found.setdefault(place.index, (place, tag))
    return [found[i] for i in sorted(found)]


def alert_subscription_tags(bill: BillSnapshot, tags: list[str]) -> set[str]:
    """The bill's ALERT tags an immediate subscription asks for (all of them when none named)."""
    alert_tags = bill.tag_names & ALERT_TAGS
    return alert_tags if not tags else wanted_tags(alert_tags, tags)


def build_alert(
    recipient: Recipient,
    bill: BillSnapshot,
    trigger: Trigger,
    followed: set[str],
    contacts: list[Contact],
    contact_target: str,
    now: dt.datetime,
    max_contacts: int = 12,
) -> AlertContext:
    """The alert for one subscriber and one trigger."""
    reasons = sorted((t for t in bill.tags if t.name in followed), key=lambda t: -t.score)
    return AlertContext(
        recipient=recipient,
        bill=bill,
        trigger=trigger,
        reasons=reasons,
        contacts=contacts[:max_contacts],
        contacts_more=max(0, len(contacts) - max_contacts),
        contact_target=contact_target,
        script_tag=reasons[0].name if reasons else "default",
        now=now,
    )
