"""The coalition's 15 tags, their groups and what each means, in our own words.

Tag names are the contract: database values, CLI output, templates and the labelled corpus all
use them verbatim. The vocabulary is core: the classifier assigns tags, alerts select by them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TagInfo:
    """One tag of the taxonomy."""

    name: str
    group: str  # "ALERT" (the coalition opposes) or "TRACK" (the coalition supports)
    label: str  # short human label for emails and tables
    why: str  # one sentence on why it matters, for digests and calls to action


TAG_INFO: tuple[TagInfo, ...] = (
    TagInfo(
        "penalty_increase",
        "ALERT",
        "Penalty increase",
        "Creates crimes or raises penalties, including for offenses survivors are often "
        "charged with; more punishment has not prevented trafficking and harms survivors.",
    ),
    TagInfo(
        "sex_work_criminalization",
        "ALERT",
        "Sex work criminalization",
        "Expands offenses around commercial sex between adults, which pushes people into "
        "danger and gives traffickers leverage.",
    ),
    TagInfo(
        "diversion_court",
        "ALERT",
        "Diversion court",
        "Routes survivors through courts that drop charges only after mandated services, "
        "keeping them in the criminal system.",
    ),
    TagInfo(
        "arrest_to_services",
        "ALERT",
        "Arrest-to-services",
        "Makes arrest, custody or police contact the door to help, so survivors meet "
        "handcuffs before support.",
    ),
    TagInfo(
        "mandated_cooperation",
        "ALERT",
        "Mandated cooperation",
        "Makes help or relief depend on cooperating with police or prosecutors, which many "
        "survivors cannot safely do.",
    ),
    TagInfo(
        "carceral_funding",
        "ALERT",
        "Carceral funding",
        "Grows policing, prosecution, surveillance or detention instead of services.",
    ),
    TagInfo(
        "detention_forced_labor",
        "ALERT",
        "Forced labor in detention",
        "Compels or punishes the labor of people held in prisons, jails or immigration detention.",
    ),
    TagInfo(
        "immigration_enforcement",
        "ALERT",
        "Immigration enforcement",
        "Ties police or service providers to immigration enforcement, which keeps immigrant "
        "survivors from seeking help.",
    ),
    TagInfo(
        "record_relief",
        "TRACK",
        "Record relief",
        "Clears survivors' records (vacatur, expungement, sealing) so convictions from "
        "their exploitation stop blocking jobs and housing.",
    ),
    TagInfo(
        "non_criminalization",
        "TRACK",
        "Non-criminalization",
        "Protects survivors from prosecution or narrows offenses they are charged with.",
    ),
    TagInfo(
        "survivor_services",
        "TRACK",
        "Survivor services",
        "Funds services, housing, health care or legal aid with no law-enforcement strings.",
    ),
    TagInfo(
        "immigration_relief",
        "TRACK",
        "Immigration relief",
        "Protects immigrant survivors without requiring them to report to police.",
    ),
    TagInfo(
        "worker_protections",
        "TRACK",
        "Worker protections",
        "Sets or enforces labor standards that keep workers from being trafficked.",
    ),
    TagInfo(
        "prevention",
        "TRACK",
        "Prevention",
        "Funds root-cause prevention: housing, the safety net, youth and community programs.",
    ),
    TagInfo(
        "civil_remedies",
        "TRACK",
        "Civil remedies",
        "Gives survivors civil claims, restitution they control, or restorative options.",
    ),
)

BY_NAME: dict[str, TagInfo] = {info.name: info for info in TAG_INFO}
TAGS: tuple[str, ...] = tuple(info.name for info in TAG_INFO)
ALERT_TAGS: frozenset[str] = frozenset(i.name for i in TAG_INFO if i.group == "ALERT")
TRACK_TAGS: frozenset[str] = frozenset(i.name for i in TAG_INFO if i.group == "TRACK")


def stance(tags: set[str] | frozenset[str] | list[str]) -> str:
    """The stance of a set of tags: ALERT, TRACK, mixed or none."""
    alert = any(t in ALERT_TAGS for t in tags)
    track = any(t in TRACK_TAGS for t in tags)
    if alert and track:
        return "mixed"
    return "ALERT" if alert else "TRACK" if track else "none"
