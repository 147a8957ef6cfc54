"""Features of one section for the linear scorer: hashed words and the rule matches.

Words in struck text are left out (they are not law after the amendment); rule matches in
struck text become their own features, so that a struck offense reads the opposite way.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
from spacy.attrs import IDX, IS_ALPHA, LIKE_NUM, LOWER
from spacy.tokens import Doc, Span

from classifier.gap_matcher import lower_words
from classifier.markup import covered
from classifier.sentences import raw_sentences
from classifier.taxonomy import ALERT_TAGS, TAGS

N_WORD_BUCKETS = 1 << 18
N_RULE_BUCKETS = 1 << 14
N_FEATURES = N_WORD_BUCKETS + N_RULE_BUCKETS
PAIR_WINDOW = 25  # tokens: two cues this close are read as one statement
SPANS_KEY = "taxonomy"

if not Doc.has_extension("struck"):
    Doc.set_extension("struck", default=[])
    Doc.set_extension("inserted", default=[])


RULE_NAMES: dict[int, set[str]] = {}  # feature index -> names hashed there (for training)


@lru_cache(maxsize=200_000)
def rule_index(name: str) -> int:
    """The feature index of a named rule feature (a stable hash, not Python's salted one)."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    index = N_WORD_BUCKETS + int.from_bytes(digest, "little") % N_RULE_BUCKETS
    RULE_NAMES.setdefault(index, set()).add(name)
    return index


def register_rule_names(labels: Iterable[str], keys: Iterable[str]) -> None:
    """Hash every rule feature name the patterns can give (their labels and keys), so that
    `RULE_NAMES` is complete once a pipeline is built: which tags a feature speaks of, and so
    training, never depends on the texts a process happened to see before."""
    labels = sorted(set(labels))
    for key in keys:
        rule_index("K:" + key)
        rule_index("SK:" + key)
    for label in labels:
        for kind in ("S", "N", "T", "C"):
            rule_index(f"{kind}:{label}")
    for i, x in enumerate(labels):
        for y in labels[i + 1 :]:
            rule_index(f"P:{x}|{y}")
    rule_index("BIAS")


def labels_of(name: str) -> set[str]:
    """The pattern labels a rule feature name speaks of ("P:a|b" speaks of a and b)."""
    kind, _, rest = name.partition(":")
    if kind == "P":
        return set(rest.split("|"))
    return {rest.split("::")[0]} if rest else set()


def live_mask(doc: Doc) -> np.ndarray:
    """True for tokens outside the struck spans of `doc`."""
    cached = doc.user_data.get("bw_mask")
    if cached is not None:
        return cached
    mask = doc.user_data["bw_mask"] = np.ones(len(doc), dtype=bool)
    struck = doc._.struck
    if struck:
        for token in doc:
            if covered(struck, token.idx, token.idx + len(token)):
                mask[token.i] = False
    return mask


def doc_text(doc: Doc) -> str:
    """The text of a doc, kept once: spaCy's `Doc.text` rebuilds it from every token."""
    text = doc.user_data.get("bw_text")
    if text is None:
        text = doc.user_data["bw_text"] = doc.text
    return text


def restated_mask(doc: Doc) -> np.ndarray:
    """True for tokens of restated law: in a section that marks what it inserts, the sentences
    with no inserted word are the law as it stands, which the bill does not change (Missouri
    and New York re-print whole sections around a changed word)."""
    cached = doc.user_data.get("bw_restated")
    if cached is not None:
        return cached
    restated = doc.user_data["bw_restated"] = np.zeros(len(doc), dtype=bool)
    inserted = doc._.inserted
    if not inserted or len(doc) == 0:
        return restated
    starts = doc.to_array([IDX]).reshape(-1)
    for s, e in raw_sentences(doc_text(doc)):
        if any(a < e and b > s for a, b in inserted):
            continue
        lo, hi = np.searchsorted(starts, s), np.searchsorted(starts, e)
        restated[lo:hi] = True
    return restated


def enacted_mask(doc: Doc) -> np.ndarray:
    """True for the tokens the bill enacts: neither struck nor restated unchanged."""
    cached = doc.user_data.get("bw_enacted")
    if cached is None:
        cached = doc.user_data["bw_enacted"] = live_mask(doc) & ~restated_mask(doc)
    return cached


def word_features(doc: Doc, mask: np.ndarray, start: int = 0, end: int | None = None) -> np.ndarray:
    """Bucket indices of the unigrams and bigrams of the live words in tokens [start, end)."""
    full = doc.user_data.get("bw_arr")
    if full is None:  # cached: evidence search asks for many slices of the same doc
        full = doc.user_data["bw_arr"] = doc.to_array([LOWER, IS_ALPHA, LIKE_NUM])
    arr = full[start:end]
    keep = ((arr[:, 1] > 0) | (arr[:, 2] > 0)) & mask[start:end]
    words = arr[keep, 0].astype(np.uint64)
    if len(words) == 0:
        return np.zeros(0, dtype=np.int64)
    uni = words % np.uint64(N_WORD_BUCKETS)
    with np.errstate(over="ignore"):
        bi = (words[:-1] * np.uint64(1000003)) ^ (words[1:] + np.uint64(0x9E3779B97F4A7C15))
    bi = bi % np.uint64(N_WORD_BUCKETS)
    return np.unique(np.concatenate([uni, bi]).astype(np.int64))


REPEAL_WORDS = frozenset(
    {
        "repeal",
        "repeals",
        "repealed",
        "repealing",
        "abolish",
        "abolishes",
        "abolishing",
        "decriminalize",
        "decriminalizes",
        "decriminalizing",
        "eliminate",
        "eliminates",
        "eliminating",
    }
)
REPEAL_SCOPE = 14  # tokens either side, within one sentence
_STOPS = frozenset({".", ";", ":"})
# Offense matches that a repeal around them reverses (the taxonomy's opposite reading).
REVERSIBLE = frozenset({"sex_work_criminalization", "penalty_increase"})


def repealed(doc: Doc, span: Span) -> bool:
    """Whether `span` sits in the scope of a repeal ("to repeal the offense of ...").

    Missouri's "is repealed and one new section enacted in lieu thereof" re-enacts the
    section, so a repeal with "lieu" in its scope is no repeal.
    """
    words = lower_words(doc)
    found = False
    for rng in (
        range(span.start - 1, max(span.start - REPEAL_SCOPE, 0) - 1, -1),
        range(span.end, min(span.end + REPEAL_SCOPE, len(doc))),
    ):
        for i in rng:
            if words[i] in _STOPS:
                break
            if words[i] == "lieu":
                return False
            found = found or words[i] in REPEAL_WORDS
    return found


NEGATIONS = frozenset(
    {
        "not",
        "no",
        "nor",
        "never",
        "nothing",
        "prohibit",
        "prohibits",
        "prohibited",
        "prohibiting",
        "limit",
        "limits",
        "limiting",
        "restrict",
        "restricts",
        "restricting",
        "inhibit",
        "inhibits",
        "inhibiting",
        "bars",
        "forbid",
        "forbids",
        "prevent",
        "prevents",
        "preventing",
        "prohibition",
        "prohibitions",
        "ban",
        "bans",
        "banning",
        # repealing a limit on enforcement restores it ("repeals the prohibition on ...")
        "repeal",
        "repeals",
        "repealing",
        # ending an arrangement limits what it did ("terminate any contract ... of the
        # Department of Homeland Security", "Rescission of ... immigration enforcement authority")
        "terminate",
        "terminates",
        "terminating",
        "termination",
        "rescind",
        "rescinds",
        "rescinding",
        "rescission",
        "discontinue",
        "discontinues",
        "discontinuing",
    }
)
# "prevent or inhibit", "limit, prohibit, or restrict": one negation said several ways.
_COORDINATORS = frozenset({"or", "and", ","})
NEGATION_SCOPE = 40
# Matches that a negation turns into their opposite: "shall not honor a detainer" limits
# immigration enforcement, while "no policy that prohibits ... honoring a detainer" (two
# negations) still requires it.
NEGATABLE = frozenset({"immigration_enforcement"})


def negated(doc: Doc, span: Span) -> bool:
    """Whether an odd number of negations precede `span` within its sentence (coordinated
    negations count once)."""
    words = lower_words(doc)
    count, last = 0, None
    for i in range(span.start - 1, max(span.start - NEGATION_SCOPE, 0) - 1, -1):
        if words[i] in _STOPS:
            break
        if words[i] not in NEGATIONS:
            continue
        between: list[str] = words[i + 1 : last] if last is not None else []
        if not between or not all(w in _COORDINATORS for w in between):
            count += 1  # "not prohibit" is two negations; "prohibit or restrict" is one
        last = i
    return count % 2 == 1


# Ohio ends every amending bill with "That existing sections ... are hereby repealed": the old
# text of the sections it re-enacts, not a repeal of any offense; Missouri's "repealed and one
# new section enacted in lieu thereof" and "repealed and reenacted" read the same way.
REENACT_WORDS = frozenset(
    {"existing", "lieu", "reenacted", "reenact", "reenacts", "reenacting", "reenactment"}
)


def _sentence_bounds(doc: Doc, span: Span) -> tuple[int, int]:
    """Token range of the sentence-like piece (between . ; :) around `span`."""
    words = lower_words(doc)
    lo = span.start
    while lo > 0 and words[lo - 1] not in _STOPS:
        lo -= 1
    hi = span.end
    while hi < len(doc) and words[hi - 1] not in _STOPS:
        hi += 1
    return lo, hi


_SECTION_NUMBER = re.compile(r"\d+(?:[.\-]\d+[A-Za-z]?)+")
_PIECE_END = re.compile(r"[.;:](?=\s|$)")
_AMEND = re.compile(r"\bamend(?:ed|ing|s)?\b", re.I)


def amended_sections(text: str) -> frozenset[str]:
    """Codified section numbers that sentences of the bill amend ("That sections 2907.24 and
    2907.241 of the Revised Code be amended to read as follows")."""
    found: set[str] = set()
    for piece in _PIECE_END.split(text):
        if _AMEND.search(piece) and "repeal" not in piece.lower():
            found.update(_SECTION_NUMBER.findall(piece))
    return frozenset(found)


def reenacted(doc: Doc, span: Span) -> bool:
    """Whether a repeal match is a re-enactment clause (the bill amends what it "repeals"):
    re-enactment words in the sentence, or every section it repeals amended elsewhere in the
    bill (`doc.user_data["bw_amended"]`, set by the tagger for the whole text)."""
    words = lower_words(doc)
    lo, hi = _sentence_bounds(doc, span)
    amended = doc.user_data.get("bw_amended")
    if amended:
        cited = set(_SECTION_NUMBER.findall(doc[lo:hi].text))
        if cited and cited <= amended:
            return True
    for i in range(lo, hi):
        if words[i] in REENACT_WORDS:
            return True
        if (
            words[i] == "re"
            and i + 2 < hi
            and words[i + 1] == "-"
            and words[i + 2].startswith("enact")
        ):
            return True
    return False


COND_NEGATIONS = frozenset(
    {"not", "no", "nor", "never", "neither", "regardless", "without", "irrespective", "unless"}
)
COND_SCOPE = 16
_AUXILIARIES = frozenset({"does", "do", "did", "has", "have", "had", "is", "was"})


def condition_negated(doc: Doc, span: Span) -> bool:
    """Whether a cooperation condition is negated: "shall not be required to cooperate",
    "regardless of whether the victim reported". "Not ... unless" stays a condition, and so
    does "a victim who does not cooperate" (a penalty for not cooperating)."""
    words = lower_words(doc)
    i = span.start - 1
    if i > 0 and words[i] in {"not", "never"} and words[i - 1] in _AUXILIARIES:
        return False  # "a victim who has not cooperated": a sanction for not cooperating
    count = int(words[span.start] == "unless")
    for i in range(span.start - 1, max(span.start - COND_SCOPE, 0) - 1, -1):
        if words[i] in _STOPS:
            break
        if words[i] == "without" and words[i + 1] != "regard":
            continue  # "refuses, without good cause, to cooperate" is still a condition
        count += words[i] in COND_NEGATIONS
    return count % 2 == 1


def struck_match(span: Span, mask: np.ndarray) -> bool:
    """Whether most of a match is struck ("reported [to the proper authorities]" is struck)."""
    part = mask[span.start : span.end]
    return len(part) == 0 or part.sum() * 2 < len(part)


# An offense named where a bill relieves people of it (a vacatur motion, an affirmative
# defense, expungement) is the subject of the relief, not a new or heavier crime.
SENTENCE_RELIEF = frozenset(
    {
        "reduce",
        "reduces",
        "reduced",
        "reducing",
        "reduction",
        "resentence",
        "resentenced",
        "resentencing",
        "commute",
        "commutes",
        "commuted",
        "commutation",
    }
)
RELIEF_WORDS = frozenset(
    {
        "vacate",
        "vacates",
        "vacated",
        "vacating",
        "vacatur",
        "expunge",
        "expunged",
        "expunging",
        "expungement",
        "seal",
        "sealed",
        "sealing",
        "defense",
        "immunity",
        "immune",
        "former",
        # a sentence cut short or commuted is relief, whatever sentence it names
        *SENTENCE_RELIEF,
    }
)
# A civil or administrative penalty is no criminal penalty.
CIVIL_WORDS = frozenset({"civil", "administrative"})
# Offenses listed in a restitution or damages provision are what survivors recover for, not
# new or harsher offenses.
REMEDY_WORDS = frozenset({"restitution", "damages"})
# Closing prisons or cutting their capacity shrinks the apparatus rather than growing it.
SHRINK_WORDS = frozenset(
    {
        "close",
        "closes",
        "closing",
        "closure",
        "closures",
        "decommission",
        "decommissioning",
        "downsize",
        "downsizing",
    }
)


_DENIED = frozenset({"not", "no"})
_PROSECUTION = frozenset({"arrested", "prosecuted", "charged", "detained", "convicted"})


def safe_harbor(doc: Doc, span: Span) -> bool:
    """Whether the sentence shields people from the offense ("shall not be arrested or
    prosecuted for any act of prostitution"): a safe harbor, not a new crime."""
    words = lower_words(doc)
    lo, hi = _sentence_bounds(doc, span)
    return any(
        words[i] in _PROSECUTION and _DENIED & set(words[max(i - 3, lo) : i]) for i in range(lo, hi)
    )


# "is not a defense", "shall not be reduced": the relief is denied, so the penalty stands.
_DENIABLE = frozenset({"defense", "immunity", "immune"}) | SENTENCE_RELIEF


def _in_sentence(doc: Doc, span: Span, words: frozenset[str]) -> bool:
    lower = lower_words(doc)
    lo, hi = _sentence_bounds(doc, span)
    for i in range(lo, hi):
        if lower[i] in words:
            if lower[i] in _DENIABLE and _DENIED & set(lower[max(i - 3, lo) : i]):
                continue  # "is not a defense to prosecution": a harsher offense, no relief
            return True
    return False


# Words after which "means" is the noun ("by any of the following means", "by electronic
# means", "force or other means"), never the verb of a definition, which follows the defined
# term (a noun or a closing quote).
_NOT_DEFINING = frozenset(
    {
        "by",
        "any",
        "other",
        "the",
        "a",
        "no",
        "same",
        "its",
        "their",
        "following",
        "such",
        "all",
        "these",
        "those",
        "only",
        "or",
        "and",
        "electronic",
        "reasonable",
        "similar",
        "alternative",
    }
)
ALERT_LABELS = frozenset(ALERT_TAGS)


def defining(doc: Doc, span: Span) -> bool:
    """Whether `span` sits in a definition ('"Immigration detainer" means ...'): a definition
    names a thing and changes no law (the provisions that use the term do)."""
    words = lower_words(doc)
    lo, hi = _sentence_bounds(doc, span)
    return any(
        words[i] == "means" and (i == 0 or words[i - 1] not in _NOT_DEFINING) for i in range(lo, hi)
    )


def labor_agency(doc: Doc, span: Span) -> bool:
    """Whether the sentence places the unit in a labor agency ("Division of Labor Standards
    Enforcement", "labor commissioner"): labor-standards enforcement is no policing."""
    words = lower_words(doc)
    lo, hi = _sentence_bounds(doc, span)
    return any(
        words[i] == "labor"
        and words[i + 1] in {"standards", "commissioner"}
        or words[i] == "department"
        and words[i + 1] == "of"
        and words[i + 2] == "labor"
        for i in range(lo, min(hi, len(doc) - 2))
    )


def is_live(doc: Doc, span: Span, mask: np.ndarray) -> bool:
    """A match that is law after the amendment: not struck, not repealed, not negated."""
    cache = doc.user_data.setdefault("bw_is_live", {})
    key = (span.start, span.end, span.label, span.kb_id)
    found = cache.get(key)
    if found is None:
        found = cache[key] = _is_live(doc, span, mask)
    return found


def _is_live(doc: Doc, span: Span, mask: np.ndarray) -> bool:
    if struck_match(span, mask):
        return False
    if restated_mask(doc)[span.start : span.end].all():
        return False  # law the bill re-prints unchanged
    label = span.label_
    if label in ALERT_LABELS and defining(doc, span):
        return False
    if label in REVERSIBLE and repealed(doc, span):
        return False
    if label in REVERSIBLE and (
        _in_sentence(doc, span, RELIEF_WORDS | REMEDY_WORDS) or safe_harbor(doc, span)
    ):
        return False
    if label == "penalty_increase" and any(
        w in CIVIL_WORDS for w in lower_words(doc)[max(span.start - 2, 0) : span.end]
    ):
        return False
    if label == "penalty_increase" and not related_offense(doc):
        return False  # an offense far from trafficking: animal tethering, fleeing a stop
    if label == "carceral_funding" and (
        _in_sentence(doc, span, SHRINK_WORDS) or labor_agency(doc, span)
    ):
        return False
    if label == "arrest_to_services" and lower_words(doc)[max(span.start - 2, 0) : span.start] == [
        "safe",
        "and",
    ]:
        return False  # "safe and secure shelter" is housing, not a locked placement
    if label == "non_criminalization" and "repeal" in span.kb_id_ and reenacted(doc, span):
        return False
    if label == "mandated_cooperation" and condition_negated(doc, span):
        return False
    return not (label in NEGATABLE and negated(doc, span))


# The taxonomy scopes penalty_increase to trafficking and related offenses, above all those
# survivors are charged with, and to penalties on employers; a section that names none of them
# (the context cues below, or these words) raises penalties on something else. Victims and
# children are named by nearly every criminal statute, and "register" by election law, so none
# of them relates an offense to trafficking.
RELATED_CONTEXT = frozenset(
    {
        "ctx_trafficking",
        "ctx_prostitution",
        "ctx_prostitution_offense",
        "ctx_commercial_sex_act",
        "ctx_survival_offense",
        "ctx_labor",
        "ctx_immigration",
    }
)
_RELATED_WORD = re.compile(
    r"^(?:sex|sexual|sexually|exploit\w*|obscen\w*|pornograph\w*|drug|drugs|narcotic\w*|"
    r"fentanyl|heroin|cocaine|methamphetamine|marijuana|kidnap\w*|servitude|coerc\w*|"
    r"forfeit\w*|controlled|loiter\w*|bawdy|disorderly|"
    r"encampments?|camping|homeless\w*|panhandl\w*|begging)$"
)


def related_offense(doc: Doc) -> bool:
    """Whether the section names trafficking or an offense the taxonomy relates to it."""
    cached = doc.user_data.get("bw_related")
    if cached is None:
        labels = {s.label_ for s in doc.spans.get(SPANS_KEY, [])}
        cached = bool(labels & RELATED_CONTEXT) or any(
            _RELATED_WORD.match(w) for w in lower_words(doc)
        )
        doc.user_data["bw_related"] = cached
    return cached


def supported_tags(doc: Doc, tags: frozenset[str]) -> set[str]:
    """The tags with at least one live pattern match in the section (rule support)."""
    mask = live_mask(doc)
    return {
        s.label_ for s in doc.spans.get(SPANS_KEY, []) if s.label_ in tags and is_live(doc, s, mask)
    }


TAG_SET = frozenset(TAGS)


def embedding_mask(doc: Doc) -> np.ndarray:
    """The enacted tokens the embedding model reads: the words of a tag's match that the scope
    rules set aside (negated, a definition, a civil penalty, an offense far from trafficking)
    say nothing for the tag there either, unless a live match of another tag covers them."""
    cached = doc.user_data.get("bw_embedded")
    if cached is None:
        live = live_mask(doc)
        aside = np.zeros(len(doc), dtype=bool)
        kept = np.zeros(len(doc), dtype=bool)
        for span in doc.spans.get(SPANS_KEY, []):
            if span.label_ in TAG_SET:
                which = kept if is_live(doc, span, live) else aside
                which[span.start : span.end] = True
        cached = doc.user_data["bw_embedded"] = enacted_mask(doc) & ~(aside & ~kept)
    return cached


def rule_flags(doc: Doc, labels: list[str] | tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Per label, 0/1: a live match supports it; matches exist but none is live (blocked)."""
    mask = live_mask(doc)
    matched, live = set(), set()
    for span in doc.spans.get(SPANS_KEY, []):
        matched.add(span.label_)
        if span.label_ not in live and is_live(doc, span, mask):
            live.add(span.label_)
    support = np.array([t in live for t in labels], dtype=np.float32)
    blocked = np.array([t in matched and t not in live for t in labels], dtype=np.float32)
    return support, blocked


def rule_features(doc: Doc, mask: np.ndarray) -> dict[int, float]:
    """Rule-match features: per tag and cue, per pattern, struck matches, nearby pairs."""
    feats: dict[int, float] = {}
    counts: dict[str, int] = {}
    live_spans = []
    for span in doc.spans.get(SPANS_KEY, []):
        label = span.label_
        if restated_mask(doc)[span.start : span.end].all():
            continue  # unchanged law says nothing about what the bill does
        live = is_live(doc, span, mask)
        if live:
            counts[label] = counts.get(label, 0) + 1
            feats[rule_index("K:" + span.kb_id_)] = 1.0
            live_spans.append(span)
        elif struck_match(span, mask):
            feats[rule_index("S:" + label)] = 1.0
            feats[rule_index("SK:" + span.kb_id_)] = 1.0
        else:  # repealed or negated in live text
            feats[rule_index("N:" + label)] = 1.0
    for label, n in counts.items():
        feats[rule_index("T:" + label)] = 1.0
        feats[rule_index("C:" + label)] = float(np.log1p(n))
    live_spans.sort(key=lambda s: s.start)
    for i, a in enumerate(live_spans):
        for b in live_spans[i + 1 :]:
            if b.start - a.end > PAIR_WINDOW:
                break
            if a.label_ != b.label_:
                x, y = sorted((a.label_, b.label_))
                feats[rule_index(f"P:{x}|{y}")] = 1.0
    feats[rule_index("BIAS")] = 1.0
    return feats


def featurize(doc: Doc) -> tuple[np.ndarray, np.ndarray]:
    """(indices, values) of the sparse feature vector of a processed section."""
    mask = live_mask(doc)
    words = word_features(doc, enacted_mask(doc))
    rules = rule_features(doc, mask)
    word_value = 1.0 / np.sqrt(max(len(words), 1))
    idx = np.concatenate([words, np.fromiter(rules.keys(), dtype=np.int64, count=len(rules))])
    val = np.concatenate(
        [
            np.full(len(words), word_value, dtype=np.float32),
            np.fromiter(rules.values(), dtype=np.float32, count=len(rules)),
        ]
    )
    return idx, val
