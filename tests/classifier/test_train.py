"""Training on tiny data: reproducible, writes a loadable pipeline; the corpus floor."""

import json

import numpy as np
import spacy
from typer.testing import CliRunner

import classifier
from billwatch.cli import app
from classifier.bill_gate import FEATURES as BILL_FEATURES
from classifier.data import BillRow, Example, read_jsonl
from classifier.features import amended_sections
from classifier.markup import infer_spans
from classifier.tagger import Tagger
from classifier.taxonomy import ALERT_TAGS, TAGS
from classifier.train import (
    CONFIG_PATH,
    base_of,
    bill_folds,
    build_nlp,
    choose_thresholds,
    fit_stack,
    gate_bills,
    gate_candidates,
    look_alike_sections,
    prepare,
    section_features,
    settings_from,
)
from tests.conftest import shared_path

# Tiny written passages: two tags and neutral text, enough to learn and to cross-validate.
TINY = [
    ({"civil_remedies"}, "A victim may bring a civil action for damages against the trafficker."),
    (
        {"civil_remedies"},
        "The survivor may recover punitive damages and attorney fees in a civil action.",
    ),
    ({"civil_remedies"}, "Any person injured may sue for actual damages and treble damages."),
    ({"record_relief"}, "The court shall vacate the conviction and expunge the record."),
    ({"record_relief"}, "A person may petition to seal the records of an arrest for prostitution."),
    ({"record_relief"}, "The judgment of conviction shall be vacated and the records sealed."),
    (set(), "January is designated Human Trafficking Awareness Month."),
    (set(), "Every hotel shall post the hotline number near the front desk."),
    (set(), "This act shall take effect on the first of July."),
    (set(), "The council shall consist of nine members appointed by the governor."),
]


def _small_config(tmp_path):
    text = CONFIG_PATH.read_text().replace("epochs = 250", "epochs = 40")
    path = tmp_path / "small.cfg"
    path.write_text(text)
    return path


def _write_corpus(tmp_path):
    path = tmp_path / "tiny.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": f"t{i}", "text": text, "labels": sorted(labels)}) + "\n"
            for i, (labels, text) in enumerate(TINY)
        )
    )
    return path


def test_train_command_is_reproducible_and_writes_a_loadable_pipeline(tmp_path):
    config, corpus = _small_config(tmp_path), _write_corpus(tmp_path)
    runner = CliRunner()
    for name, seed in (("a", []), ("b", []), ("c", ["--seed", "7"])):
        result = runner.invoke(
            app,
            [
                "train",
                "--corpus",
                str(corpus),
                "--no-feedback",
                "--no-own",
                "--no-cache",
                "--folds",
                "2",
                "--config",
                str(config),
                "--output",
                str(tmp_path / name),
                *seed,
            ],
        )
        assert result.exit_code == 0, result.output
        assert "thresholds:" in result.stdout
    a = np.load(tmp_path / "a" / "taxonomy_scorer" / "weights.npz")
    b = np.load(tmp_path / "b" / "taxonomy_scorer" / "weights.npz")
    assert np.array_equal(a["values"], b["values"]) and np.array_equal(a["rows"], b["rows"])
    assert classifier.compute_version(tmp_path / "a") == classifier.compute_version(tmp_path / "b")
    # another seed: other starts of the hidden layer, so another model
    c = np.load(tmp_path / "c" / "taxonomy_scorer" / "weights.npz")
    assert not np.array_equal(a["hidden_weights"], c["hidden_weights"])
    tagger = Tagger(spacy.load(tmp_path / "a"))
    assert "civil_remedies" in tagger.tag("A victim may bring a civil action for damages.").tags
    assert tagger.tag("The council shall meet four times a year.").tags == []


def test_the_scorer_reads_a_section_as_training_does(tmp_path):
    # Training scores mean vectors through the hidden layer; the shipped scorer sums projected
    # rows per section and per sentence instead: both must give the same meta features.
    nlp = build_nlp(_small_config(tmp_path))
    st = settings_from(nlp)
    st.inner_folds = 2
    assert st.dense.hidden > 0  # the shipped config's embedding model has a hidden layer
    tagger = Tagger(nlp)
    items = [prepare(tagger, ex) for ex in read_jsonl(_write_corpus(tmp_path), "test")]
    model, thresholds = fit_stack(items, st)
    assert model.hidden is not None
    assert model.embed_weights.shape[0] == st.dense.hidden * st.dense.dense_bags
    scorer = nlp.get_pipe("taxonomy_scorer")
    scorer.set_model(model, thresholds)
    text = "The survivor may sue for damages. The court shall vacate the conviction."
    expected = section_features(prepare(tagger, Example("x", text, set())), base_of(model))
    doc = tagger.process(text, *infer_spans(text), amended_sections(text), score=False)
    assert np.allclose(scorer.base_scores(doc), expected[0], atol=1e-4)
    assert doc.user_data["bw_sentence_logits"].shape == (2, len(model.embed_bias) + 1)
    scorer.to_disk(tmp_path / "scorer")
    loaded = type(scorer)("taxonomy_scorer", scorer.labels).from_disk(tmp_path / "scorer")
    assert loaded.hidden is not None
    # Sparse weights are saved as float16: the loaded scorer agrees to that precision.
    assert np.abs(loaded.base_scores(doc) - expected[0]).max() < 1e-3


def test_train_command_reports_bad_data(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "labels": ["nope"]}\n')
    result = CliRunner().invoke(app, ["train", "--corpus", str(bad), "--no-feedback"])
    assert result.exit_code == 2 and "nope" in result.stderr


def test_shipped_model_on_the_shared_corpus_reaches_its_floor():
    """The shipped model was trained on these passages among ~1,400 others (the corpus cache):
    this guards against a broken ship, not the honest estimate (grouped CV in the README)."""
    from classifier.evaluate import evaluate_file

    (ev,) = evaluate_file(shared_path("corpus", "passages.jsonl"))
    assert ev.model.macro_f1 >= 0.8  # a guard: 0.84 with 1,508 cache passages beside these
    assert ev.model.alert.p >= 0.8 and ev.model.alert.r >= 0.9  # the head favours recall
    assert ev.model.macro_f1 > ev.baseline.macro_f1 + 0.3


def _bill(id_, labels, text, split="train", bill="HB 1", state="MO"):
    return BillRow(id_, text, set(labels), {}, jurisdiction=state, bill=bill, split=split)


def test_the_gate_learns_only_from_train_bills_that_lent_no_passages():
    lent = Example("p1", "x", set(), jurisdiction="MO", bill="H.B. 0001")
    bills = [
        _bill("b1", [], "x", bill="HB 1"),  # the same bill as a training passage
        _bill("b2", [], "x", bill="HB 2", split="test"),  # held out
        _bill("b3", [], "x", bill="HB 3"),
    ]
    assert [b.id for b in gate_bills(bills, [lent])] == ["b3"]


def test_gate_candidates_are_the_tags_sections_raise_and_whether_the_bill_carries_them():
    tagger = classifier.load()
    text = (
        "Section 1. A person who pays a fee to another person in return for sexual conduct "
        "commits patronizing prostitution, a class A felony.\n"
        "Section 2. January is designated Human Trafficking Awareness Month."
    )
    bills = [
        _bill("b1", ["sex_work_criminalization", "civil_remedies"], text),
        _bill("b2", [], "Section 1. The council shall meet four times a year.", state="NY"),
    ]
    features, right, groups, unreached = gate_candidates(tagger, bills)
    raised = {t for s in tagger.tag(text).sections for t in s.tags}
    assert "sex_work_criminalization" in raised and "civil_remedies" not in raised
    assert features.shape == (len(raised), len(BILL_FEATURES))
    assert groups == [bills[0].group("bill")] * len(raised)
    assert right.sum() == 1 and unreached == 1  # civil_remedies: labelled, raised nowhere


def test_train_keeps_an_untrained_gate_when_too_few_bills_raise_tags(tmp_path):
    config, corpus = _small_config(tmp_path), _write_corpus(tmp_path)
    bills = tmp_path / "bills.jsonl"
    row = {"id": "b1", "state": "MO", "bill": "HB 9", "labels": ["civil_remedies"]}
    text = "Section 1. A victim may bring a civil action for damages against a Zanzibarian."
    bills.write_text(json.dumps(row | {"text": text, "support": {"civil_remedies": [[0, 9]]}}))
    args = ["train", "--corpus", str(corpus), "--no-feedback", "--no-own", "--no-cache"]
    args += ["--folds", "2"]
    out = tmp_path / "p"
    result = CliRunner().invoke(
        app, [*args, "--config", str(config), "--output", str(out), "--bills", str(bills)]
    )
    assert result.exit_code == 0, result.output
    assert "bill gate not learned: the bill gate needs at least 10 candidates" in result.stderr
    saved = json.loads((out / "taxonomy_scorer" / "labels.json").read_text())
    assert saved["bill_gate"] == {"trained": False}
    # the bills were tagged by a copy: no word of theirs in the saved string store
    assert "Zanzibarian" not in (out / "vocab" / "strings.json").read_text()
    missing = CliRunner().invoke(app, [*args, "--bills", str(tmp_path / "none.jsonl")])
    assert missing.exit_code == 2 and "no such file of whole bills" in missing.stderr


def test_which_tags_a_rule_feature_speaks_of_is_fixed_when_the_pipeline_is_built():
    from classifier.features import RULE_NAMES

    tagger = Tagger(build_nlp(CONFIG_PATH))
    before = {index: set(names) for index, names in RULE_NAMES.items()}
    tagger.tag(
        "A person who pays a fee for sexual conduct commits patronizing prostitution. The"
        " attorney general shall establish a trafficking task force. The court shall vacate"
        " the conviction, and a victim may bring a civil action for damages."
    )
    # training reads these names (allowed_weights): what a process tagged before changes none
    assert {index: set(names) for index, names in RULE_NAMES.items()} == before


def test_look_alike_bills_lend_each_section_as_an_example_with_no_tag():
    text = (
        "--- id: x ---\n"
        "Section 1. A person who [steals] TAKES AWAY a school bus commits trespass.\n"
        "Section 2. This act takes effect on the first of July."
    )
    look = _bill("b1", [], text, bill="HB 7")
    tagged = _bill("b2", ["civil_remedies"], "Section 1. A victim may sue.", bill="HB 8")
    examples = look_alike_sections([look, tagged])
    assert [ex.text.split(".")[0] for ex in examples] == ["Section 1", "Section 2"]
    assert all(ex.labels == set() and ex.known is None for ex in examples)  # no tag, all known
    assert {ex.group("bill") for ex in examples} == {look.group("bill")}  # one inner-fold group
    first = examples[0]
    # the bracketed deletion, read as the tagger reads it, relative to the section
    assert [first.text[s:e] for s, e in first.struck] == ["[steals]"]
    assert [first.text[s:e] for s, e in first.inserted] == ["TAKES AWAY"]


def test_whole_bills_fall_into_folds_of_whole_bills():
    bills = [_bill(f"b{i}", [], "x", bill=f"HB {i}") for i in range(5)]
    bills.append(_bill("t", ["civil_remedies"], "x", bill="HB 9"))
    folds = bill_folds(bills, 2, seed=1)
    assert len(folds) == 2 and all(folds)
    ids = [b.id for fold in folds for b in fold]
    assert sorted(ids) == sorted(b.id for b in bills) and len(set(ids)) == len(bills)
    assert bill_folds(bills, 2, seed=1) == folds  # reproducible
    assert bill_folds(bills, 0, seed=1) == [] and bill_folds(bills[:1], 2, 1) == []


def test_train_learns_from_look_alike_sections_and_scores_each_fold_without_it(tmp_path):
    config, corpus = _small_config(tmp_path), _write_corpus(tmp_path)
    assert "bill_folds = 2" in config.read_text()
    bills = tmp_path / "bills.jsonl"
    rows = [
        {
            "id": f"l{i}",
            "state": "MO",
            "bill": f"HB {i}",
            "labels": [],
            "support": {},
            "text": f"Section 1. The council shall meet {i} times a year in Quuxville.",
        }
        for i in range(4)
    ]
    rows.append(
        {
            "id": "t1",
            "state": "NY",
            "bill": "S 1",
            "labels": ["civil_remedies"],
            "support": {"civil_remedies": [[11, 45]]},
            "text": "Section 1. A victim may bring a civil action.",
        }
    )
    bills.write_text("".join(json.dumps(r) + "\n" for r in rows))
    args = ["train", "--corpus", str(corpus), "--no-feedback", "--no-own", "--no-cache"]
    out = tmp_path / "p"
    result = CliRunner().invoke(
        app,
        [
            *args,
            "--folds",
            "2",
            "--config",
            str(config),
            "--output",
            str(out),
            "--bills",
            str(bills),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "4 sections of look-alike bills as examples" in result.stderr
    assert "bill fold 2/2 scored" in result.stderr
    assert "Quuxville" not in (out / "vocab" / "strings.json").read_text()


def test_the_config_sets_how_thresholds_are_bagged_and_how_many_hidden_models_are_averaged(
    tmp_path,
):
    text = CONFIG_PATH.read_text()
    for line in ("threshold_bootstraps", "dense_bags"):
        text = "\n".join(x for x in text.splitlines() if not x.startswith(line))
    block = "\n[scorer_training]\n"
    text = text.replace(block, block + "threshold_bootstraps = 30\ndense_bags = 2\n")
    path = tmp_path / "bagged.cfg"
    path.write_text(text)
    st = settings_from(build_nlp(path))
    assert st.bootstraps == 30 and st.dense.dense_bags == 2
    st.inner_folds = 2
    tagger = Tagger(build_nlp(path))
    items = [prepare(tagger, ex) for ex in read_jsonl(_write_corpus(tmp_path), "test")]
    model, _ = fit_stack(items, st)
    assert model.hidden is not None and model.hidden.weights.shape[1] == 2 * st.dense.hidden


def test_alert_tags_thresholds_maximise_the_configured_f_beta():
    rng = np.random.default_rng(4)
    y = (rng.random((300, len(TAGS))) < 0.3).astype(np.float32)
    pos, neg = rng.normal(0.55, 0.2, y.shape), rng.normal(0.35, 0.2, y.shape)
    scores = np.clip(np.where(y > 0, pos, neg), 0, 1)
    f1 = choose_thresholds(scores, y, bootstraps=20)
    f2 = choose_thresholds(scores, y, bootstraps=20, alert_tag_beta=2.0)
    for tag in TAGS:
        if tag in ALERT_TAGS:
            assert f2[tag] < f1[tag], tag
        else:  # TRACK tags keep F1
            assert f2[tag] == f1[tag], tag


def test_the_config_sets_the_alert_betas(tmp_path):
    text = "\n".join(x for x in CONFIG_PATH.read_text().splitlines() if not x.startswith("alert_"))
    st = settings_from(build_nlp(_config_with(tmp_path, text, "")))
    assert (st.alert_tag_beta, st.alert_head_beta) == (1.0, 1.0)
    lines = "alert_tag_beta = 3.0\nalert_head_beta = 2.0\n"
    st = settings_from(build_nlp(_config_with(tmp_path, text, lines)))
    assert (st.alert_tag_beta, st.alert_head_beta) == (3.0, 2.0)


def _config_with(tmp_path, text: str, lines: str):
    block = "\n[scorer_training]\n"
    path = tmp_path / f"beta{len(lines)}.cfg"
    path.write_text(text.replace(block, block + lines))
    return path
