"""Evaluate on labelled JSONL: the shipped model, or k-fold CV retraining, beside keywords."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.table import Table

from classifier.baseline import keyword_predictions
from classifier.data import Example, load_own_examples, read_jsonl
from classifier.metrics import Report, report
from classifier.taxonomy import TAGS


@dataclass
class Evaluation:
    """The model's and the keyword baseline's numbers on one labelled set."""

    model: Report
    baseline: Report
    n: int
    mode: str  # "shipped model" or "k-fold CV"


def gold_matrix(examples: list[Example]) -> np.ndarray:
    """(n, tags) booleans of the labels."""
    return np.array([[t in ex.labels for t in TAGS] for ex in examples], dtype=bool)


def evaluate_file(
    path: Path, folds: int = 1, progress: Callable[[str], None] | None = None
) -> Evaluation:
    """Numbers on `path`: with folds > 1, retrain per fold on our examples + the other folds."""
    examples = read_jsonl(path, "eval")
    if not examples:
        raise ValueError(f"{path}: no examples")
    gold = gold_matrix(examples)
    if folds > 1:
        from classifier.train import (
            Tagger,
            build_nlp,
            cross_validate,
            params_from,
            prepare,
            training_settings,
        )

        nlp = build_nlp()
        settings = training_settings(nlp)
        tagger = Tagger(nlp)
        corpus = [prepare(tagger, ex) for ex in examples]
        own = [prepare(tagger, ex) for ex in load_own_examples()]
        result = cross_validate(
            corpus,
            own,
            folds,
            params_from(settings),
            int(settings.get("seed", 1042)),
            float(settings.get("min_threshold", 0.2)),
            float(settings.get("max_threshold", 0.8)),
            progress,
        )
        pred, mode = result.predictions, f"{folds}-fold CV"
    else:
        import classifier

        tagger = classifier.load()
        tagged = [set(tagger.tag(ex.text).tags) for ex in examples]
        pred = np.array([[t in tags for t in TAGS] for tags in tagged], dtype=bool)
        mode = "shipped model"
    kw_tags, kw_alert = keyword_predictions([ex.text for ex in examples])
    return Evaluation(report(pred, gold), report(kw_tags, gold, kw_alert), len(examples), mode)


def results_table(ev: Evaluation) -> Table:
    """Per-tag P/R/F1 of the model beside the keyword baseline, then micro, macro and ALERT."""
    table = Table(title=f"Classifier vs keyword baseline ({ev.mode}, {ev.n} passages)")
    for col in ("tag", "n", "P", "R", "F1", "kw P", "kw R", "kw F1"):
        table.add_column(col, justify="left" if col == "tag" else "right")
    for tag in TAGS:
        m, b = ev.model.per_tag[tag], ev.baseline.per_tag[tag]
        table.add_row(tag, str(m.support), *(f"{v:.2f}" for v in (m.p, m.r, m.f, b.p, b.r, b.f)))
    table.add_section()
    mi, bi = ev.model.micro, ev.baseline.micro
    table.add_row(
        "micro", str(mi.support), *(f"{v:.2f}" for v in (mi.p, mi.r, mi.f, bi.p, bi.r, bi.f))
    )
    table.add_row(
        "macro F1", "", "", "", f"{ev.model.macro_f1:.2f}", "", "", f"{ev.baseline.macro_f1:.2f}"
    )
    a, ba = ev.model.alert, ev.baseline.alert
    table.add_row(
        "ALERT level", str(a.support), *(f"{v:.2f}" for v in (a.p, a.r, a.f, ba.p, ba.r, ba.f))
    )
    return table


def markdown_table(ev: Evaluation) -> str:
    """The same table in Markdown, for the README."""
    lines = [
        "| tag | n | P | R | F1 | keyword P | keyword R | keyword F1 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    rows = [(t, ev.model.per_tag[t], ev.baseline.per_tag[t]) for t in TAGS]
    rows += [
        ("**micro**", ev.model.micro, ev.baseline.micro),
        ("**ALERT level**", ev.model.alert, ev.baseline.alert),
    ]
    for name, m, b in rows:
        lines.append(
            f"| {name} | {m.support} | {m.p:.2f} | {m.r:.2f} | {m.f:.2f} | {b.p:.2f} | "
            f"{b.r:.2f} | {b.f:.2f} |"
        )
    lines.append(
        f"| **macro F1** | | | | {ev.model.macro_f1:.2f} | | | {ev.baseline.macro_f1:.2f} |"
    )
    return "\n".join(lines)
