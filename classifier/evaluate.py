"""Evaluate on labelled JSONL: the shipped model, or k-fold CV retraining (random folds beside
folds grouped by jurisdiction or bill), beside keywords; and whole bills at bill level."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.markup import escape
from rich.table import Table

from classifier.baseline import keyword_predictions
from classifier.data import Example, load_own_examples, read_bills, read_jsonl
from classifier.metrics import PRF, Report, report
from classifier.taxonomy import TAGS


@dataclass
class Evaluation:
    """The model's and the keyword baseline's numbers on one labelled set."""

    model: Report
    baseline: Report
    n: int
    mode: str  # "shipped model", "5-fold CV (random)", "5-fold CV grouped by bill"


def gold_matrix(examples: list[Example]) -> np.ndarray:
    """(n, tags) booleans of the labels."""
    return np.array([[t in ex.labels for t in TAGS] for ex in examples], dtype=bool)


def evaluate_file(
    path: Path,
    folds: int = 1,
    progress: Callable[[str], None] | None = None,
    group_by: str | None = None,
    config_path: Path | None = None,
    own: bool = True,
    pipeline: Path | None = None,
) -> list[Evaluation]:
    """Numbers on `path`: with folds > 1, retrain per fold on our examples + the other folds
    (random folds, and folds grouped by `group_by` beside them); else the shipped model (or
    the pipeline in `pipeline`)."""
    examples = read_jsonl(path, "eval")
    if not examples:
        raise ValueError(f"{path}: no examples")
    gold = gold_matrix(examples)
    kw_tags, kw_alert = keyword_predictions([ex.text for ex in examples])
    baseline = report(kw_tags, gold, kw_alert)
    if folds <= 1:
        import classifier

        tagger = classifier.load(str(pipeline) if pipeline else None)
        tagged = [set(tagger.tag(ex.text).tags) for ex in examples]
        pred = np.array([[t in tags for t in TAGS] for tags in tagged], dtype=bool)
        name = f"pipeline {pipeline}" if pipeline else "shipped model"
        return [Evaluation(report(pred, gold), baseline, len(examples), name)]
    from classifier.train import (
        CONFIG_PATH,
        Tagger,
        build_nlp,
        cross_validate,
        prepare,
        settings_from,
    )

    nlp = build_nlp(config_path or CONFIG_PATH)
    st = settings_from(nlp)
    tagger = Tagger(nlp)
    corpus = [prepare(tagger, ex) for ex in examples]
    extra = [prepare(tagger, ex) for ex in load_own_examples()] if own else []
    out = []
    for grouping in [None] + ([group_by] if group_by else []):
        result = cross_validate(corpus, extra, folds, st, grouping, progress)
        mode = f"{folds}-fold CV " + (f"grouped by {grouping}" if grouping else "(random)")
        out.append(Evaluation(report(result.predictions, gold), baseline, len(examples), mode))
    return out


def _cells(m: PRF) -> list[str]:
    return [f"{m.p:.2f}", f"{m.r:.2f}", f"{m.f:.2f}"]


def results_table(evs: list[Evaluation]) -> Table:
    """Per-tag P/R/F1 of each evaluation side by side, then the keyword baseline's; micro,
    macro and ALERT rows."""
    first = evs[0]
    table = Table(title=f"Classifier vs keyword baseline ({first.n} passages)")
    table.add_column("tag")
    table.add_column("n", justify="right")
    for ev in evs:
        for col in ("P", "R", "F1"):
            table.add_column(f"{ev.mode}\n{col}" if col == "P" else col, justify="right")
    for col in ("kw P", "kw R", "kw F1"):
        table.add_column(col, justify="right")
    for tag in TAGS:
        cells = [c for ev in evs for c in _cells(ev.model.per_tag[tag])]
        table.add_row(
            tag, str(first.model.per_tag[tag].support), *cells, *_cells(first.baseline.per_tag[tag])
        )
    table.add_section()
    micro = [c for ev in evs for c in _cells(ev.model.micro)]
    table.add_row("micro", str(first.model.micro.support), *micro, *_cells(first.baseline.micro))
    macro = [c for ev in evs for c in ("", "", f"{ev.model.macro_f1:.2f}")]
    table.add_row("macro F1", "", *macro, "", "", f"{first.baseline.macro_f1:.2f}")
    alert = [c for ev in evs for c in _cells(ev.model.alert)]
    table.add_row(
        "ALERT level", str(first.model.alert.support), *alert, *_cells(first.baseline.alert)
    )
    return table


def markdown_table(evs: list[Evaluation]) -> str:
    """The same table in Markdown, for the README."""
    head = "| tag | n | " + " | ".join(f"{ev.mode} P | R | F1" for ev in evs)
    head += " | keyword P | keyword R | keyword F1 |"
    lines = [head, "|---|---:|" + "---:|" * (3 * len(evs) + 3)]
    first = evs[0]

    def row(name: str, get: Callable[[Report], PRF]) -> str:
        cells = [c for ev in evs for c in _cells(get(ev.model))] + _cells(get(first.baseline))
        return f"| {name} | {get(first.model).support} | " + " | ".join(cells) + " |"

    for tag in TAGS:

        def per_tag(r: Report, t: str = tag) -> PRF:
            return r.per_tag[t]

        lines.append(row(tag, per_tag))
    lines.append(row("**micro**", lambda r: r.micro))
    lines.append(row("**ALERT level**", lambda r: r.alert))
    macro = " | ".join(f" | | {ev.model.macro_f1:.2f}" for ev in evs)
    lines.append(f"| **macro F1** | | {macro} | | | {first.baseline.macro_f1:.2f} |")
    return "\n".join(lines)


# Whole bills -----------------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+")
SUPPORT_OVERLAP = 0.5  # share of the quote's words that a support sentence must hold


def words_of(text: str) -> set[str]:
    """The normalised word set of a text: lower case, letters and digits only."""
    return set(_WORD.findall(text.lower()))


def quote_supports(quote: str, support: list[str]) -> bool:
    """Whether a quote overlaps a labelled support sentence: at least half of the quote's
    words (or of the sentence's, for a quote longer than it) are in that sentence."""
    q = words_of(quote)
    if not q:
        return False
    for sentence in support:
        s = words_of(sentence)
        if s and len(q & s) >= SUPPORT_OVERLAP * min(len(q), len(s)):
            return True
    return False


@dataclass
class BillsEvaluation:
    """Bill-level numbers of the shipped model on whole bills."""

    n: int
    alert: PRF
    per_tag: dict[str, PRF]
    macro_f1: float
    quotes: int  # evidence quotes of correctly predicted tags with labelled support
    supported: int  # of those, quotes that overlap a support sentence of their tag
    misses: list[tuple[str, str, str]]  # (bill, tag, quote) of quotes that support nothing
    seen: int = 0  # of the bills, those the shipped bill gate learned from (not unseen)
    split: str | None = None
    pipeline: str | None = None  # the pipeline's folder, when not the shipped one


def evaluate_bills(
    path: Path,
    progress: Callable[[str], None] | None = None,
    split: str | None = None,
    pipeline: Path | None = None,
) -> BillsEvaluation:
    """Tag each whole bill (of one split, if given) with the shipped model (or the pipeline
    in `pipeline`); compare tags and evidence with the labels."""
    import classifier

    bills = [b for b in read_bills(path) if split is None or b.split == split]
    if not bills:
        raise ValueError(f"{path}: no bills" + (f" in the {split} split" if split else ""))
    folder = str(pipeline) if pipeline else None
    tagger = classifier.load(folder)
    seen = len({b.id for b in bills} & set(tagger.scorer.bill_gate.bills))
    pred = np.zeros((len(bills), len(TAGS)), dtype=bool)
    quotes = supported = 0
    misses = []
    for i, bill in enumerate(bills):
        result = tagger.tag(bill.text, bill.inserted, bill.struck)
        pred[i] = [t in result.tags for t in TAGS]
        for ev in result.evidence:
            if ev.tag in bill.labels and bill.support.get(ev.tag):
                quotes += 1
                if quote_supports(ev.quote, bill.support[ev.tag]):
                    supported += 1
                else:
                    misses.append((bill.id, ev.tag, ev.quote))
        if progress and (i + 1) % 20 == 0:
            progress(f"{i + 1}/{len(bills)} bills tagged")
    gold = np.array([[t in b.labels for t in TAGS] for b in bills], dtype=bool)
    rep = report(pred, gold)
    return BillsEvaluation(
        len(bills),
        rep.alert,
        rep.per_tag,
        rep.macro_f1,
        quotes,
        supported,
        misses,
        seen,
        split,
        folder,
    )


def bills_table(ev: BillsEvaluation) -> Table:
    """Bill-level P/R/F1 per tag and ALERT, and how many evidence quotes support their tag."""
    which = f"{ev.split} split, " if ev.split else ""
    model = f"Pipeline {escape(ev.pipeline)}" if ev.pipeline else "Shipped model"
    title = f"{model} on {ev.n} whole bills ({which}bill level)"
    if ev.seen:
        title += f"; the bill gate learned from {ev.seen} of them, so they are not unseen"
    table = Table(title=title)
    for col in ("tag", "n", "P", "R", "F1"):
        table.add_column(col, justify="left" if col == "tag" else "right")
    for tag in TAGS:
        m = ev.per_tag[tag]
        table.add_row(tag, str(m.support), *_cells(m))
    table.add_section()
    table.add_row("macro F1", "", "", "", f"{ev.macro_f1:.2f}")
    table.add_row("ALERT level", str(ev.alert.support), *_cells(ev.alert))
    share = ev.supported / ev.quotes if ev.quotes else 0.0
    table.add_row("evidence supports its tag", str(ev.quotes), "", "", f"{share:.2f}")
    return table
