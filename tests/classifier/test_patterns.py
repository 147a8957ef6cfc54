"""The rule component: pattern files load, the notation compiles, each tag's family matches."""

import json

import pytest
import spacy

from classifier.components import TaxonomyRules
from classifier.features import SPANS_KEY
from classifier.gap_matcher import GapMatcher
from classifier.patterns import PATTERNS_DIR, PatternError, compile_pattern, load_patterns
from classifier.taxonomy import TAGS

NLP = spacy.blank("en")
RULES = TaxonomyRules(NLP, "taxonomy_rules", "")

# One drafted sentence per tag, written for this test, that the tag's own patterns must catch.
FAMILIES = {
    "penalty_increase": "Theft of mail is a class C felony and carries a mandatory minimum term.",
    "sex_work_criminalization": "A person commits patronizing prostitution by paying a fee.",
    "diversion_court": "The county may establish a human trafficking intervention court.",
    "arrest_to_services": "The officer shall take the child into protective custody.",
    "mandated_cooperation": "Aid is provided only if the victim cooperates with law enforcement.",
    "carceral_funding": "Grants shall fund a law enforcement task force and wiretaps.",
    "detention_forced_labor": "Every able-bodied prisoner shall perform hard labor daily.",
    "immigration_enforcement": "The sheriff shall honor every immigration detainer request.",
    "record_relief": "The court shall vacate the conviction and seal the records.",
    "non_criminalization": "It is an affirmative defense that the defendant was trafficked.",
    "survivor_services": "Survivors shall receive emergency shelter and case management.",
    "immigration_relief": "Services are available regardless of immigration status.",
    "worker_protections": "Every employer shall pay the minimum wage and overtime.",
    "prevention": "Grants shall fund programs for youth at risk of homelessness.",
    "civil_remedies": "A victim may bring a civil action for punitive damages.",
}


def _labels(text):
    doc = RULES(NLP.make_doc(text))
    return {s.label_ for s in doc.spans[SPANS_KEY]}


def test_every_tag_has_a_pattern_file_and_every_file_is_a_tag_or_cue():
    stems = {p.stem for p in PATTERNS_DIR.glob("*.jsonl")}
    assert set(TAGS) <= stems
    assert all(s in TAGS or s.startswith("_") for s in stems)


@pytest.mark.parametrize("tag", TAGS)
def test_each_rule_family_matches_its_drafting(tag):
    assert tag in _labels(FAMILIES[tag])


def test_cues_mark_neutral_drafting():
    labels = _labels(
        "WHEREAS, January is Human Trafficking Awareness Month; every hotel shall "
        "post the hotline and complete a training course."
    )
    assert {"cue_awareness", "cue_poster", "cue_training"} <= labels


def test_gaps_alternatives_and_regex():
    doc = RULES(
        NLP.make_doc("The court may vacate any such prior conviction. It is a class B felony.")
    )
    found = {(s.label_, s.text) for s in doc.spans[SPANS_KEY]}
    assert ("record_relief", "vacate any such prior conviction") in found
    assert ("penalty_increase", "is a class B felony") in found


def test_gap_is_bounded():
    far = "vacate " + "x " * 5 + "conviction"
    near = "vacate " + "x " * 4 + "conviction"
    matcher = GapMatcher([compile_pattern(NLP, "record_relief", "vacate *4 conviction")])
    assert matcher(NLP.make_doc(near)) and not matcher(NLP.make_doc(far))


def test_bad_patterns_say_where(tmp_path):
    with pytest.raises(PatternError, match="start with a word"):
        compile_pattern(NLP, "prevention", "*3 housing")
    (tmp_path / "prevention.jsonl").write_text(json.dumps({"pattern": ""}) + "\n")
    with pytest.raises(PatternError, match=r"prevention.jsonl:1"):
        load_patterns(NLP, tmp_path)
    (tmp_path / "prevention.jsonl").write_text(json.dumps({"pattern": "housing"}) + "\n")
    (tmp_path / "_cues.jsonl").write_text(json.dumps({"pattern": "hotline"}) + "\n")
    with pytest.raises(PatternError, match="needs a label"):
        load_patterns(NLP, tmp_path)
