"""The keyword baseline the classifier is measured against: a tag when one of its words occurs."""

from __future__ import annotations

import re

import numpy as np

from classifier.taxonomy import ALERT_TAGS, TAGS

# Words a reader would search for first; ALERT-level needs only one of the ALERT words.
KEYWORDS: dict[str, tuple[str, ...]] = {
    "penalty_increase": ("penalty", "penalties", "felony", "imprisonment"),
    "sex_work_criminalization": ("prostitution", "solicitation", "patronizing"),
    "diversion_court": ("diversion", "court program"),
    "arrest_to_services": ("custody", "arrest"),
    "mandated_cooperation": ("cooperate", "cooperation"),
    "carceral_funding": ("law enforcement", "task force", "police"),
    "detention_forced_labor": ("inmate", "prisoner", "labor"),
    "immigration_enforcement": ("immigration", "alien"),
    "record_relief": ("vacate", "expunge", "seal"),
    "non_criminalization": ("affirmative defense", "immunity", "repeal"),
    "survivor_services": ("services", "shelter", "housing"),
    "immigration_relief": ("immigration status", "visa"),
    "worker_protections": ("wage", "employer", "labor"),
    "prevention": ("prevention", "homeless", "youth"),
    "civil_remedies": ("civil action", "damages", "restitution"),
}
ALERT_WORDS = ("trafficking", "prostitution", "penalty", "felony")
_RES = {
    t: re.compile(r"\b(?:" + "|".join(map(re.escape, w)) + r")", re.I) for t, w in KEYWORDS.items()
}
_ALERT_RE = re.compile(r"\b(?:" + "|".join(ALERT_WORDS) + r")", re.I)


def keyword_tags(text: str) -> set[str]:
    """Tags whose keywords occur in `text`."""
    return {t for t in TAGS if _RES[t].search(text)}


def keyword_alert(text: str) -> bool:
    """The baseline's ALERT call: any of trafficking, prostitution, penalty, felony."""
    return bool(_ALERT_RE.search(text))


def keyword_predictions(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(per-tag predictions, ALERT-level predictions) for texts."""
    tags = np.array([[t in keyword_tags(x) for t in TAGS] for x in texts], dtype=bool)
    alert = np.array([keyword_alert(x) for x in texts], dtype=bool)
    return tags, alert


def is_alert(row: np.ndarray) -> bool:
    """Whether a prediction row holds any ALERT tag."""
    return any(row[i] for i, t in enumerate(TAGS) if t in ALERT_TAGS)
