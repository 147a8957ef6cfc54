"""Tag a bill text section by section: tags, a score for every tag, and evidence with offsets."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc

from classifier.components import TaxonomyScorer
from classifier.features import (
    SPANS_KEY,
    amended_sections,
    is_live,
    live_mask,
    negated,
    repealed,
    rule_index,
    struck_match,
    supported_tags,
    word_features,
)
from classifier.markup import Span, clip, infer_spans, merge
from classifier.sections import split_sections
from classifier.taxonomy import ALERT_TAGS, TAGS, stance

MAX_QUOTE = 400
_SENTENCE_END = re.compile(r"[.;:](?=\s)|\n")
# A struck or repealed offense of buying or selling sex reads as decriminalisation (taxonomy
# reading rule); negated immigration enforcement ("shall not honor a detainer") as relief.
_FLIPS = {
    "sex_work_criminalization": "non_criminalization",
    "immigration_enforcement": "immigration_relief",
}
FLIP_SCORE = 0.9
# An ALERT tag that no live pattern of its own supports in the section keeps only this share of
# its score: words alone (a prison named in an appropriation, an offense named in a vacatur
# motion) raise false alarms, and ALERT false alarms cost the coalition's trust.
UNSUPPORTED_ALERT = 0.3
UNSUPPORTED_TRACK = 1.0
_ALERT = frozenset(ALERT_TAGS)
_ALL_TAGS = frozenset(TAGS)


def gate(scores: np.ndarray, support: set[str] | frozenset[str]) -> np.ndarray:
    """Section scores (in TAGS order) scaled down for tags without rule support."""
    factors = np.array(
        [
            1.0 if t in support else (UNSUPPORTED_ALERT if t in _ALERT else UNSUPPORTED_TRACK)
            for t in TAGS
        ],
        dtype=np.float32,
    )
    return scores * factors


@dataclass(frozen=True)
class Evidence:
    """The words that carry a tag, as offsets into the whole text."""

    tag: str
    start: int
    end: int
    quote: str


@dataclass
class SectionResult:
    """Tags, scores and evidence of one section."""

    index: int
    label: str
    start: int
    end: int
    tags: list[str]
    scores: dict[str, float]
    evidence: list[Evidence]


@dataclass
class DocResult:
    """The tags of a whole text: per section, and for the bill."""

    sections: list[SectionResult]
    tags: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    stance: str = "none"


def _raw_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence-like pieces: ends at . ; : before a space, and at line breaks."""
    out = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        out.append((start, m.end()))
        start = m.end()
    out.append((start, len(text)))
    trimmed = []
    for s, e in out:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            trimmed.append((s, e))
    return trimmed


MIN_EVIDENCE_WORDS = 5
_WORDS = re.compile(r"[A-Za-z]+")
_VERB = re.compile(r"\b(?:shall|may|must|is|are|was|were|means|includes|be)\b", re.I)
# Headings and captions are never evidence: "Section 1.", "Sec. 2907.24.", "Regular Session",
# "AN ACT", "PART D", a codified number alone.
_HEADING_PIECE = re.compile(
    r"^(?:(?:SECTION|Section|SEC|Sec|Art|ARTICLE|Article|PART|Part|Chapter|CHAPTER|§+)\.?\s*"
    r"[\w.\-]*\.?|[\d.\-]+|[(\[]?\w{1,4}[)\]]\.?|(?:[A-Z][a-z]*\s*){1,3}(?:Session|Act|"
    r"Bill|Legislature|Assembly)\.?)$"
)


def _sentences(text: str) -> list[tuple[int, int]]:
    """Sentence pieces fit to quote: headings dropped, fragments joined to the next piece."""
    out: list[tuple[int, int]] = []
    pending: int | None = None  # start of fragments waiting for the piece they belong to
    for s, e in _raw_sentences(text):
        if _HEADING_PIECE.match(text[s:e]):
            continue
        start = s if pending is None else pending
        if not _is_sentence(text[start:e]):
            pending = start
            continue
        out.append((start, e))
        pending = None
    if pending is not None and out:  # trailing fragments belong to the last sentence
        out[-1] = (out[-1][0], _raw_sentences(text)[-1][1])
    return out


def _is_sentence(piece: str) -> bool:
    """Enough words to say something: five, or three with a verb ("Prostitution is a felony")."""
    n = len(_WORDS.findall(piece))
    return n >= MIN_EVIDENCE_WORDS or (n >= 3 and _VERB.search(piece) is not None)


class Tagger:
    """The loaded pipeline with section splitting, struck-text handling and evidence."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp
        scorer = nlp.get_pipe("taxonomy_scorer")
        if not isinstance(scorer, TaxonomyScorer):
            raise TypeError(f"taxonomy_scorer is a {type(scorer).__name__}, not a TaxonomyScorer")
        self.scorer = scorer
        self.thresholds = {t: self.scorer.thresholds.get(t, 0.5) for t in TAGS}

    def process(
        self,
        text: str,
        inserted: Sequence[Span] = (),
        struck: Sequence[Span] = (),
        amended: frozenset[str] = frozenset(),
    ) -> Doc:
        """Run the pipeline on one piece of text with its (relative) drafting spans and the
        section numbers the whole bill amends."""
        doc = self.nlp.make_doc(text)
        doc.user_data["bw_amended"] = amended
        doc._.struck = list(struck)
        doc._.inserted = list(inserted)
        for _, proc in self.nlp.pipeline:
            doc = proc(doc)
        return doc

    def tag(
        self, text: str, inserted: Iterable[Span] = (), struck: Iterable[Span] = ()
    ) -> DocResult:
        """Tag `text`; without spans, the drafting marks printed in the text are read instead."""
        ins, stk = merge(inserted), merge(struck)
        if not ins and not stk:
            ins, stk = infer_spans(text)
        sections = []
        amended = amended_sections(text)
        for sec in split_sections(text):
            body = text[sec.start : sec.end]
            doc = self.process(
                body, clip(ins, sec.start, sec.end), clip(stk, sec.start, sec.end), amended
            )
            sections.append(self._section_result(doc, body, sec.index, sec.label, sec.start))
        return aggregate(sections)

    def _section_result(
        self, doc: Doc, text: str, index: int, label: str, start: int
    ) -> SectionResult:
        flipped = struck_flips(doc, text)
        support = supported_tags(doc, _ALL_TAGS) | set(flipped)
        raw = np.array([doc.cats.get(t, 0.0) for t in TAGS], dtype=np.float32)
        scores = dict(zip(TAGS, gate(raw, support).tolist(), strict=True))
        for tag in flipped:
            scores[tag] = max(scores[tag], FLIP_SCORE)
        # A section without one real sentence (a heading, a caption) carries no tag.
        tags = [t for t in TAGS if scores[t] >= self.thresholds[t]] if _sentences(text) else []
        evidence = []
        for tag in tags:
            s, e = flipped.get(tag) or self._evidence(doc, tag, text)
            evidence.append(Evidence(tag, start + s, start + e, text[s:e]))
        return SectionResult(index, label, start, start + len(text), tags, scores, evidence)

    def _evidence(self, doc: Doc, tag: str, text: str) -> tuple[int, int]:
        """The sentence that weighs most for `tag`, clipped to a readable quote."""
        k = self.scorer.labels.index(tag)
        weights = self.scorer.weights[:, k]
        mask = live_mask(doc)
        spans = [s for s in doc.spans.get(SPANS_KEY, []) if is_live(doc, s, mask)]
        best, best_score, best_anchor = (0, len(text)), -np.inf, 0
        own = [x.start_char for x in spans if x.label_ == tag]
        pieces = _sentences(text)
        if not any(s <= c < e for s, e in pieces for c in own):
            own = []  # the tag's own matches sit in headings only: weigh every sentence
        for s, e in pieces:
            if own and not any(s <= c < e for c in own):
                continue  # a sentence with the tag's own pattern always wins over one without
            span = doc.char_span(s, e, alignment_mode="expand")
            if span is None or not mask[span.start : span.end].any():
                continue
            inside = [x for x in spans if span.start <= x.start and x.end <= span.end]
            idx = word_features(doc, mask, span.start, span.end)
            score = float(weights[idx].sum()) / np.sqrt(max(len(idx), 1))
            anchor = s
            tagged = [x for x in inside if x.label_ == tag]
            for x in tagged:
                score += float(weights[rule_index("K:" + x.kb_id_)])
            if tagged:
                score += 1.0  # a sentence that matches the tag's own patterns comes first
                anchor = tagged[0].start_char
            if score > best_score:
                best, best_score, best_anchor = (s, e), score, anchor
        return self._clip_quote(text, best[0], best[1], best_anchor)

    @staticmethod
    def _clip_quote(text: str, s: int, e: int, anchor: int) -> tuple[int, int]:
        if e - s <= MAX_QUOTE:
            return s, e
        lo = max(s, min(anchor - MAX_QUOTE // 3, e - MAX_QUOTE))
        hi = min(e, lo + MAX_QUOTE)
        while lo > s and not text[lo - 1].isspace():
            lo += 1
        while hi < e and not text[hi].isspace():
            hi -= 1
        return lo, max(hi, lo + 1)


def struck_flips(doc: Doc, text: str | None = None) -> dict[str, tuple[int, int]]:
    """Tags that struck matches give by the opposite reading, with the struck words as evidence."""
    mask = live_mask(doc)
    spans = list(doc.spans.get(SPANS_KEY, []))
    live_labels = {s.label_ for s in spans if is_live(doc, s, mask)}
    out: dict[str, tuple[int, int]] = {}
    for span in spans:
        target = _FLIPS.get(span.label_)
        if not target or span.label_ in live_labels or target in out:
            continue
        text = doc.text if text is None else text
        if target == "immigration_relief" and not negated(doc, span):
            continue  # struck enforcement is only the old law; a negated one limits it
        if struck_match(span, mask):
            for s, e in doc._.struck:
                if s <= span.start_char < e:
                    out[target] = Tagger._clip_quote(text, s, e, span.start_char)
        elif target == "immigration_relief" or repealed(doc, span):
            # repealed or negated (not merely named in a definition or a vacatur motion):
            # quote the sentence that does it
            for s, e in _sentences(text):
                if s <= span.start_char < e:
                    out[target] = Tagger._clip_quote(text, s, e, span.start_char)
    return out


def aggregate(sections: list[SectionResult]) -> DocResult:
    """Bill-level result: union of tags, best score and strongest evidence per tag, stance."""
    scores = {t: max((s.scores[t] for s in sections), default=0.0) for t in TAGS}
    tags = [t for t in TAGS if any(t in s.tags for s in sections)]
    evidence: list[Evidence] = []
    for tag in tags:
        best = max((s for s in sections if tag in s.tags), key=lambda s: s.scores[tag])
        evidence.extend(ev for ev in best.evidence if ev.tag == tag)
    return DocResult(sections, tags, evidence, scores, stance(tags))
