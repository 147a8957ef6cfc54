"""Tag a bill text section by section: tags, a score for every tag, and evidence with offsets."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from spacy.attrs import IDX, IS_ALPHA
from spacy.language import Language
from spacy.tokens import Doc

from classifier.bill_gate import BillGate, candidate_features
from classifier.components import TaxonomyScorer
from classifier.features import (
    SPANS_KEY,
    amended_sections,
    enacted_mask,
    is_live,
    live_mask,
    negated,
    repealed,
    rule_flags,
    rule_index,
    struck_match,
    word_features,
)
from classifier.hyphens import join_broken_words
from classifier.linenumbers import blank_line_numbers, readable
from classifier.markup import Span, clip, infer_spans, merge
from classifier.sections import FRONT_MATTER, Section, split_sections
from classifier.sentences import ABBREVIATION
from classifier.sentences import sentences as _sentences
from classifier.stacking import meta_matrix
from classifier.taxonomy import TAGS, stance

# A quote is a whole sentence; only a run-on longer than this (a list of 40 offenses in one
# sentence) is clipped around the words that carry the tag.
MAX_QUOTE = 700
# A struck or repealed offense of buying or selling sex reads as decriminalisation (taxonomy
# reading rule); negated immigration enforcement ("shall not honor a detainer") as relief.
_FLIPS = {
    "sex_work_criminalization": "non_criminalization",
    "immigration_enforcement": "immigration_relief",
}
FLIP_SCORE = 0.9
# A sentence that only names the act ("This Act may be cited as the ... Act") enacts nothing:
# the words of a name ("Detain and Deport ... Act") are not what the bill does.
_NAMING = re.compile(
    r"\b(?:may|shall)\s+be\s+(?:known\s+and\s+(?:may\s+be\s+)?)?cited\s+as\b"
    r"|\bshall\s+be\s+known\s+as\s+(?:the\s+)?[\"\u201c]",
    re.I,
)
# Sentences that say what words mean or where new words go do not act: a definition (the
# taxonomy tags none) and an amending instruction ("Section 287(g) ... is amended to read as
# follows:") are quoted only when a section has nothing else; the words they announce are.
_DEFINING = re.compile(
    r"^\W*(?:\d[\w.\-]*[;:,]?\s+)?(?:\(\w{1,4}\)\W*)*(?:[\"\u201c][^\"\u201d]{1,80}[\"\u201d]\s*(?:,|means\b|includes\b)"
    r"|for\s+(?:the\s+)?purposes?\s+of\s+this\b|as\s+used\s+in\s+this\b|the\s+term\b[^.;:]{0,80}\bmeans\b)",
    re.I,
)
_INSTRUCTION = re.compile(
    r"\b(?:amended|adding|inserting|striking)\b[^:]*(?:as\s+follows|the\s+following(?:\s+new\s+\w+)?)"
    r"\s*:\s*$",
    re.I,
)


def _announcing(sentence: str) -> bool:
    """Whether a sentence only defines words or tells where new words go."""
    return bool(_DEFINING.search(sentence) or _INSTRUCTION.search(sentence))


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


def read_bill(
    text: str, inserted: Iterable[Span] = (), struck: Iterable[Span] = ()
) -> tuple[str, list[Span], list[Span], list[Section]]:
    """A bill as it is tagged: its text with printed line numbers blanked, its inserted and
    struck spans (the marks printed in the text when none are given) and its sections, less
    any front matter (metadata about the document, not words of the bill)."""
    text = blank_line_numbers(text)
    ins, stk = merge(inserted), merge(struck)
    if not ins and not stk:
        ins, stk = infer_spans(text)
    parts = [sec for sec in split_sections(text) if sec.label != FRONT_MATTER]
    return text, ins, stk, parts


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
        score: bool = True,
    ) -> Doc:
        """Run the pipeline on one piece of text with its (relative) drafting spans and the
        section numbers the whole bill amends (`score=False`: the rules only, for training)."""
        # read with the words a printed line broke joined; the same length, so every span and
        # offset into `text` holds
        text = join_broken_words(text)
        doc = self.nlp.make_doc(text)
        doc.user_data["bw_text"] = text
        doc.user_data["bw_amended"] = amended
        doc._.struck = list(struck)
        doc._.inserted = list(inserted)
        for _, proc in self.nlp.pipeline:
            if score or proc is not self.scorer:
                doc = proc(doc)
        return doc

    def tag(
        self, text: str, inserted: Iterable[Span] = (), struck: Iterable[Span] = ()
    ) -> DocResult:
        """Tag `text`; without spans, the drafting marks printed in the text are read instead.
        Offsets point into `text`; quotes read without printed line numbers."""
        text, ins, stk, parts = read_bill(text, inserted, struck)
        sections = []
        amended = amended_sections(text)
        for sec in parts:
            body = text[sec.start : sec.end]
            doc = self.process(
                body, clip(ins, sec.start, sec.end), clip(stk, sec.start, sec.end), amended
            )
            sections.append(
                self._section_result(doc, body, sec.index, sec.label, sec.start, len(parts) > 1)
            )
        return aggregate(sections, self.thresholds, self.scorer.bill_gate)

    def _section_result(
        self, doc: Doc, text: str, index: int, label: str, start: int, beside_body: bool = False
    ) -> SectionResult:
        flipped = struck_flips(doc, text)
        _, blocked = rule_flags(doc, TAGS)
        # The taxonomy's reading rules set aside every match of a tag here (struck, repealed,
        # in a definition, a civil penalty, a re-enactment): the words do not do that act.
        scores = {
            t: 0.0 if b else float(doc.cats.get(t, 0.0))
            for t, b in zip(TAGS, blocked.tolist(), strict=True)
        }
        for tag in flipped:
            scores[tag] = max(scores[tag], FLIP_SCORE)
        # A section without one real sentence (a heading, a caption) carries no tag, and nor
        # does a short-title section, whose one sentence only names the act.
        pieces = doc.user_data.get("bw_sentences") or _sentences(text)
        # Beside a body that does the acting, a title that only names its subject acts neither.
        acts = [
            (s, e)
            for s, e in pieces
            if not _NAMING.search(text, s, e) and not (beside_body and _subject_only(text[s:e]))
        ]
        # TRACK tags by their thresholds; whether any ALERT tag holds, by the ALERT head.
        decided = self.scorer.decide(
            np.array([scores.get(t, 0.0) for t in self.scorer.labels], dtype=np.float32),
            float(doc.user_data.get("bw_alert_pooled", 0.0)),
            np.array(doc.user_data.get("bw_support") or [0.0] * len(self.scorer.labels)),
        )
        labels = self.scorer.labels
        tags = [t for t, on in zip(labels, decided.tolist(), strict=True) if on and t in scores]
        tags = tags if acts else []
        evidence = []
        for tag in tags:
            if tag in flipped:  # the struck words are the evidence
                s, e = flipped[tag]
                quote = readable(text[s:e])
            else:
                s, e = self._evidence(doc, tag, text, pieces)
                quote = enacted_quote(text, s, e, doc._.struck)
            evidence.append(Evidence(tag, start + s, start + e, quote))
        evidence = _unconditional(evidence)
        tags = [t for t in tags if any(ev.tag == t for ev in evidence)]
        return SectionResult(index, label, start, start + len(text), tags, scores, evidence)

    def _evidence(
        self, doc: Doc, tag: str, text: str, pieces: list[tuple[int, int]]
    ) -> tuple[int, int]:
        """The enacted sentence the stacked model scores highest for `tag`; a sentence with a
        live pattern of the tag's own comes before one without."""
        k = self.scorer.labels.index(tag)
        weights = self.scorer.weights[:, k]
        mask = enacted_mask(doc)
        # enacted words, not numbering or a list's "or": "or (2) [struck clause]" is no quote
        wording = mask & doc.to_array([IS_ALPHA]).reshape(-1).astype(bool)
        starts = doc.to_array([IDX]).reshape(-1)
        spans = _live_matches(doc)
        names = [bool(_NAMING.search(text, s, e)) for s, e in pieces]
        announcing = [_announcing(text[s:e]) for s, e in pieces]
        # the name of the act is not evidence of what it does, nor is a definition or an
        # amending instruction beside words that act
        quotable = [
            not (names[n] and not all(names)) and not (announcing[n] and not all(announcing))
            for n in range(len(pieces))
        ]
        own = [x.start_char for x in spans if x.label_ == tag]
        if not any(
            q and s <= c < e for (s, e), q in zip(pieces, quotable, strict=True) for c in own
        ):
            own = []  # the tag's own matches sit in headings only: weigh every sentence
        sentence_logits = self._sentence_embedding_logits(doc, k, len(pieces))
        bounds = _token_bounds(doc, pieces)
        best, best_score, best_anchor = (0, len(text)), -np.inf, 0
        for n, (s, e) in enumerate(pieces):
            if not quotable[n]:
                continue
            if own and not any(s <= c < e for c in own):
                continue  # a sentence with the tag's own pattern always wins over one without
            lo, hi = bounds[n]
            words = int(wording[lo:hi].sum()) if hi > lo else 0
            if 0 < words <= 2:  # maybe only a joining "or" before a struck item
                first = np.searchsorted(starts[lo:hi], _enacted_start(text, s, e, doc._.struck))
                words = int(wording[lo + int(first) : hi].sum())
            if not words:
                continue  # struck or restated: not what the bill enacts
            idx = word_features(doc, mask, lo, hi)
            sparse = float(weights[idx].sum()) / np.sqrt(max(len(idx), 1)) + self.scorer.bias[k]
            tagged = [x for x in spans if x.label_ == tag and lo <= x.start < hi]
            for x in tagged:
                sparse += float(weights[rule_index("K:" + x.kb_id_)])
            feats = meta_matrix(
                np.array([sparse]),
                sentence_logits[n : n + 1],
                sentence_logits[n : n + 1],
                np.array([float(bool(tagged))]),
            )
            score = float((feats[0] * self.scorer.meta_weights[k]).sum() + self.scorer.meta_bias[k])
            if score > best_score:
                anchor = tagged[0].start_char if tagged else s
                best, best_score, best_anchor = (s, e), score, anchor
        start, end = best[0], _whole_sentence(text, best[0], best[1])
        title = _TITLE_START.search(text, start, end)
        if title and title.start() > start:
            start = title.start()  # a long title quoted without the page furniture before it
        start = _enacted_start(text, start, end, doc._.struck)
        return self._clip_quote(text, start, end, max(best_anchor, start))

    def _sentence_embedding_logits(self, doc: Doc, k: int, n: int) -> np.ndarray:
        """The embedding model's logit for label k of each sentence piece of the section."""
        logits = doc.user_data.get("bw_sentence_logits")
        if logits is None or len(logits) != n:
            return np.full(n, float(self.scorer.embed_bias[k]), dtype=np.float32)
        return np.asarray(logits[:, k], dtype=np.float32)

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


# A piece that ends on an abbreviation ("(8 U.S.C.", "Pub. L. No.") or leaves a parenthesis or a
# quotation open is not a whole sentence: the quote runs on to where the sentence ends.
_NEXT_END = re.compile(r"[.;:](?=\s)|\n|$")


# Where a bill's long title begins, after the session, number, sponsor and clerk lines.
_TITLE_START = re.compile(r"\b(?:AN ACT|A BILL|An Act|FOR AN ACT ENTITLED)\b")


# A printed line number before a subsection number at the start of a piece ("3 2. A person",
# "59 (4) The court"): page furniture, not the sentence.
_LEADING_LINE_NUMBER = re.compile(r"\d{1,3}\s+(?=(?:\d{1,2}\.|\(\w{1,3}\))\s)")


# The joining word a list leaves before its next item ("...; or (i) The judgment is"): the item's
# sentence starts after it.
_LEADING_JOINER = re.compile(r"(?:or|and)\s+(?=\(\w{1,4}\)\s)", re.I)


def _enacted_start(text: str, start: int, end: int, struck: Sequence[Span]) -> int:
    """`start` moved past struck text it falls in, a printed line number and a list's "or"."""
    for s, e in struck:
        if s <= start < e < end:
            start = e
    while start < end and text[start].isspace():
        start += 1
    m = _LEADING_LINE_NUMBER.match(text, start, end)
    start = m.end() if m else start
    m = _LEADING_JOINER.match(text, start, end)
    return m.end() if m else start


def enacted_quote(text: str, start: int, end: int, struck: Sequence[Span]) -> str:
    """The words of text[start:end] as the bill enacts them: struck words left out (the offsets
    still cover the whole sentence, which the workbench shows with its marks)."""
    parts, at = [], start
    for s, e in sorted(struck):
        if e <= at or s >= end:
            continue
        parts.append(text[at:s])
        at = max(at, e)
    parts.append(text[at:end])
    return readable(" ".join(parts))


def _open(piece: str) -> bool:
    return piece.count("(") > piece.count(")") or piece.count("\u201c") > piece.count("\u201d")


def _whole_sentence(text: str, start: int, end: int) -> int:
    """The end of the sentence that the piece [start, end) begins, within MAX_QUOTE."""
    while end < len(text) and end - start < MAX_QUOTE:
        piece = text[start:end]
        if not (ABBREVIATION.search(piece) or _open(piece)):
            break
        m = _NEXT_END.search(text, end + 1)
        if m is None or m.end() <= end:
            break
        end = m.end()
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


# The taxonomy's services and immigration relief come with no law-enforcement condition: where
# the sentence that offers them is the one that sets the condition, it is the condition's.
_UNCONDITIONAL = frozenset({"survivor_services", "immigration_relief"})


def _unconditional(evidence: list[Evidence]) -> list[Evidence]:
    """`evidence` less services or relief quoted from a sentence that sets a cooperation
    condition (the mandated_cooperation evidence)."""
    conditions = [ev for ev in evidence if ev.tag == "mandated_cooperation"]
    return [
        ev
        for ev in evidence
        if ev.tag not in _UNCONDITIONAL
        or not any(c.start < ev.end and ev.start < c.end for c in conditions)
    ]


# A title that only names its subject ("AN ACT relating to prostitution.", "AN ACT To amend
# chapter 217 ... relating to inmate phone calls.") says what the bill is about, not what it
# does; beside a body that does the acting it carries no tag of its own (`_section_result`). A
# title that lists acts ("; providing penalties", "with penalty provisions", "creating ...")
# still does.
_SUBJECT_TITLE = re.compile(
    r"^\W*(?:AN ACT|A BILL)\b[^;:]*?\b(?:relating to|relative to|concerning|in relation to|"
    r"regarding|with respect to)\b(?P<subject>[^;:]*)$",
    re.I,
)
_ACTING = re.compile(
    r"penalt|provid|creat|establish|increas|enhanc|requir|prohibit|repeal|appropriat|fund|"
    r"expand|authoriz|allow|permit|mandat|eliminat|reduc|decriminal|vacat|expung",
    re.I,
)


def _subject_only(sentence: str) -> bool:
    m = _SUBJECT_TITLE.match(sentence.strip())
    return m is not None and not _ACTING.search(m.group("subject"))


def _live_matches(doc: Doc) -> list:
    """The live pattern matches of a section (kept: evidence asks once per tag)."""
    cached = doc.user_data.get("bw_live_matches")
    if cached is None:
        mask = live_mask(doc)
        cached = [s for s in doc.spans.get(SPANS_KEY, []) if is_live(doc, s, mask)]
        doc.user_data["bw_live_matches"] = cached
    return cached


def _token_bounds(doc: Doc, pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Token ranges [lo, hi) of character spans (tokens starting inside each span)."""
    starts = doc.user_data.get("bw_idx")
    if starts is None:
        starts = doc.user_data["bw_idx"] = doc.to_array([IDX]).reshape(-1)
    chars = np.array(pieces, dtype=np.int64).reshape(-1, 2)
    lo = np.searchsorted(starts, chars[:, 0])
    hi = np.searchsorted(starts, chars[:, 1])
    return list(zip(lo.tolist(), hi.tolist(), strict=True))


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


def aggregate(
    sections: list[SectionResult],
    thresholds: dict[str, float] | None = None,
    gate: BillGate | None = None,
) -> DocResult:
    """Bill-level result: the section tags the bill gate keeps (all of them without a trained
    gate), best score and strongest evidence per tag, stance."""
    scores = {t: max((s.scores[t] for s in sections), default=0.0) for t in TAGS}
    tags = []
    for t in TAGS:
        if not any(t in s.tags for s in sections):
            continue
        if gate is not None and gate.trained and thresholds is not None:
            if not gate.keeps(candidate_features(sections, t, thresholds[t])):
                continue  # the tag stays on its sections (and their evidence), not the bill
        tags.append(t)
    evidence: list[Evidence] = []
    for tag in tags:
        best = max((s for s in sections if tag in s.tags), key=lambda s: s.scores[tag])
        evidence.extend(ev for ev in best.evidence if ev.tag == tag)
    return DocResult(sections, tags, evidence, scores, stance(tags))
