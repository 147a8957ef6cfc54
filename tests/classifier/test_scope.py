"""Scope of a match: re-enactment repeals, negated conditions, relief contexts, evidence."""

import numpy as np
import pytest

import classifier
from classifier.features import SPANS_KEY, embedding_mask, is_live, live_mask
from classifier.sentences import sentences as _sentences
from classifier.stacking import N_META, apply_meta
from classifier.taxonomy import TAGS

TAGGER = classifier.load()


def _live(text, label):
    """(live, not live) counts of `label` matches in `text`."""
    doc = TAGGER.process(text)
    mask = live_mask(doc)
    spans = [s for s in doc.spans[SPANS_KEY] if s.label_ == label]
    assert spans, f"no {label} match in {text!r}"
    live = sum(is_live(doc, s, mask) for s in spans)
    return live, len(spans) - live


@pytest.mark.parametrize(
    "text",
    [
        "Section 2. That existing sections 2907.24 and 2907.241 of the Revised Code are hereby "
        "repealed.",
        "Section A. Section 566.223, RSMo, is repealed and one new section "
        "enacted in lieu thereof.",
        "Sec. 4. Sections 10-1 and 10-2 are hereby repealed and reenacted to read as follows:",
    ],
)
def test_a_re_enactment_clause_is_no_repeal(text):
    assert _live(text, "non_criminalization")[0] == 0
    assert "non_criminalization" not in TAGGER.tag(text).tags


def _read_by_embedding(text):
    doc = TAGGER.process(text)
    return [t.lower_ for t, keep in zip(doc, embedding_mask(doc), strict=True) if keep]


def test_the_embedding_model_does_not_read_a_match_set_aside():
    # A negated condition is no cooperation mandate: its words must not pull the embedding
    # model towards one either, while the rest of the sentence is read.
    text = "Services shall be provided regardless of whether the victim has cooperated with law "
    text += "enforcement."
    assert _live(text, "mandated_cooperation") == (0, 1)
    words = _read_by_embedding(text)
    assert "services" in words and "victim" in words
    assert "cooperated" not in words and "enforcement" not in words
    live = "Services are available only if the victim is cooperating with law enforcement."
    assert _live(live, "mandated_cooperation")[0] >= 1
    assert "cooperating" in _read_by_embedding(live)


def test_an_outright_repeal_of_an_offense_still_counts():
    text = (
        "Section 3. Section 2907.26 of the Revised Code, which defines loitering to engage "
        "in solicitation, is hereby repealed."
    )
    assert _live(text, "non_criminalization")[0] >= 1
    assert "non_criminalization" in TAGGER.tag(text).tags


@pytest.mark.parametrize(
    "text",
    [
        "A survivor shall not be required to report to or cooperate with law enforcement as a "
        "condition of receiving services funded under this section.",
        "Services shall be provided regardless of whether the victim has cooperated with law "
        "enforcement.",
        "Eligibility is determined without regard to cooperation with law enforcement.",
    ],
)
def test_a_negated_cooperation_condition_is_not_mandated_cooperation(text):
    live, negated = _live(text, "mandated_cooperation")
    assert live == 0 and negated >= 1
    result = TAGGER.tag(text)
    assert "mandated_cooperation" not in result.tags
    assert result.stance in ("TRACK", "none")


def test_no_strings_services_read_as_survivor_services():
    text = (
        "A survivor shall not be required to report to or cooperate with law enforcement as "
        "a condition of receiving services funded under this section."
    )
    result = TAGGER.tag(text)
    assert result.tags == ["survivor_services"]
    assert result.evidence[0].quote == text


@pytest.mark.parametrize(
    "text",
    [
        "A victim is not eligible for compensation unless the victim cooperates with law "
        "enforcement in the investigation.",
        "Benefits shall end for a victim who does not cooperate with law enforcement.",
        "No award shall be made to a victim who has not cooperated with law enforcement.",
        "An award shall be denied if the victim, without good cause, refuses to cooperate with "
        "law enforcement.",
    ],
)
def test_a_condition_stays_a_condition(text):
    assert _live(text, "mandated_cooperation")[0] >= 1
    assert "mandated_cooperation" in TAGGER.tag(text).tags


def test_an_offense_named_in_a_vacatur_motion_is_not_criminalization():
    text = (
        "(1) A person convicted of the offense of prostitution may move the court to "
        "vacate the conviction if the person was a victim of trafficking."
    )
    assert _live(text, "sex_work_criminalization")[0] == 0
    result = TAGGER.tag(text)
    assert "record_relief" in result.tags
    assert result.stance == "TRACK"


def test_a_civil_penalty_is_no_criminal_penalty():
    text = "AN ACT relating to signs at rest areas; providing a civil penalty."
    assert _live(text, "penalty_increase")[0] == 0
    assert "penalty_increase" not in TAGGER.tag(text).tags


def test_an_enforcement_task_force_appropriation_is_carceral_funding():
    text = (
        "Section 5. The following sums are appropriated for the fiscal year: Office of "
        "the Attorney General. Human Trafficking Enforcement Task Force, $6,500,000."
    )
    result = TAGGER.tag(text)
    assert "carceral_funding" in result.tags
    assert "survivor_services" not in result.tags
    quote = next(ev.quote for ev in result.evidence if ev.tag == "carceral_funding")
    assert "Task Force" in quote or "appropriated" in quote


def test_headings_and_fragments_are_never_evidence():
    text = "Regular Session\nSection 1. cooperation with law enforcement."
    assert _sentences(text) == []
    assert TAGGER.tag(text).tags == []
    text = "SECTION 1. Sec. 2. A person who patronizes a prostitute commits a class A felony."
    pieces = [text[s:e] for s, e in _sentences(text)]
    assert pieces == ["A person who patronizes a prostitute commits a class A felony."]
    for ev in TAGGER.tag(text).evidence:
        assert ev.quote.startswith("A person")


def test_the_stack_weighs_rule_support_and_never_against_a_tag():
    scorer = TAGGER.scorer
    assert (scorer.meta_weights[:, :4] >= 0).all()
    k = TAGS.index("carceral_funding")
    without = np.zeros((len(TAGS), N_META), dtype=np.float32)
    with_support = without.copy()
    with_support[k, 3] = 1.0
    low = apply_meta(without, scorer.meta_weights, scorer.meta_bias)[k]
    high = apply_meta(with_support, scorer.meta_weights, scorer.meta_bias)[k]
    assert high > low  # a live pattern of the tag's own is evidence for it


def test_restated_law_around_an_insertion_carries_no_tag():
    text = (
        "Section 1. Section 566.206 is amended to read: A person commits the offense of "
        "trafficking for sexual exploitation if the person recruits a person for sexual "
        "conduct; such offense is a felony punishable by imprisonment for life. "
        "The department shall publish AN ANNUAL REPORT ON GRANTS TO SHELTERS."
    )
    s = text.index("AN ANNUAL")
    inserted = [(s, s + len("AN ANNUAL REPORT ON GRANTS TO SHELTERS"))]
    plain = text.replace("AN ANNUAL REPORT ON GRANTS TO SHELTERS", "an annual report")
    assert "penalty_increase" in TAGGER.tag(plain).tags  # no marks: the whole text is enacted
    for result in (TAGGER.tag(text, inserted=inserted), TAGGER.tag(text)):  # given, or read
        assert "penalty_increase" not in result.tags  # re-printed unchanged: not the bill's act
        for ev in result.evidence:
            assert "ANNUAL REPORT" in ev.quote


@pytest.mark.parametrize(
    "text, label",
    [
        (
            '(4) "Immigration detainer" means a request by a federal agency that a local jail hold '
            "a person beyond the time of release.",
            "immigration_enforcement",
        ),
        (
            "(b) There is established within the Division of Labor Standards Enforcement a labor "
            "trafficking unit to investigate wage claims of workers.",
            "carceral_funding",
        ),
        (
            "The grantee shall offer safe and secure shelter to youth who are "
            "victims of trafficking.",
            "arrest_to_services",
        ),
        (
            "Sec. 9. The governor may close two correctional facilities and reduce prison "
            "beds, and "
            "the savings shall fund reentry housing.",
            "carceral_funding",
        ),
    ],
)
def test_definitions_labor_units_safe_shelter_and_closures_raise_no_alarm(text, label):
    assert _live(text, label)[0] == 0
    assert label not in TAGGER.tag(text).tags


def test_repealing_a_section_the_bill_amends_is_a_re_enactment():
    text = (
        "Section 1. That section 2919.40 of the Revised Code be amended to read as follows: "
        "Sec. 2919.40. The clerk shall keep a record of each protection order issued under "
        "this chapter. Section 2. That section 2919.40 of the Revised Code is hereby "
        "repealed."
    )
    assert "non_criminalization" not in TAGGER.tag(text).tags
    other = text.replace("Section 2. That section 2919.40", "Section 2. That section 2907.26")
    assert "non_criminalization" in TAGGER.tag(other).tags  # a section it does not amend


def test_removing_a_defense_is_no_relief():
    text = (
        "(c) It is not a defense to a prosecution for patronizing a minor for prostitution "
        "that the actor did not know the age of the minor."
    )
    assert _live(text, "sex_work_criminalization")[0] >= 1


def test_an_offense_named_in_a_vacatur_motion_is_no_decriminalization():
    text = (
        "(2) A person convicted of promoting prostitution may file a motion to vacate the "
        "judgment if the person was a victim of sex trafficking at the time."
    )
    assert _live(text, "sex_work_criminalization")[0] == 0  # named, neither live nor repealed
    assert "non_criminalization" not in TAGGER.tag(text).tags


@pytest.mark.parametrize(
    "text, live",
    [
        # a double negation still mandates cooperation (the issue's own kind of text)
        (
            "No agency shall prevent or inhibit collaboration with federal immigration "
            "enforcement.",
            True,
        ),
        ("The act repeals the prohibition on assisting federal immigration authorities.", True),
        (
            "Nothing shall be construed to prohibit or restrict cooperating with federal "
            "immigration authorities.",
            True,
        ),
        ("The arresting officer shall notify federal immigration authorities of the arrest.", True),
        # one negation, said once or several ways, limits enforcement
        ("An officer shall not notify federal immigration authorities of a release.", False),
        ("No public resources may be used to assist federal immigration enforcement.", False),
        (
            "Agencies may not prohibit, limit, or restrict honoring immigration detainers.",
            True,
        ),
        ("The act repeals the requirement that jails honor immigration detainers.", False),
        # ending an arrangement limits it too
        ("The sheriff shall terminate the agreement under section 287(g).", False),
    ],
)
def test_negations_count_once_however_many_ways_they_are_said(text, live):
    alive, dead = _live(text, "immigration_enforcement")
    assert (alive > 0 and dead == 0) if live else (alive == 0 and dead > 0)


@pytest.mark.parametrize(
    "text, live",
    [
        ("A person convicted of animal tethering shall be guilty of a class A misdemeanor.", False),
        ("Fleeing a stop of a motor vehicle is a class E felony.", False),
        ("Trafficking in persons for forced labor is a class A felony.", True),
        ("Loitering in a transit facility is a class B misdemeanor.", True),
        ("An employer who fails to pay wages when due is guilty of a misdemeanor.", True),
        ("Possession of a controlled substance is a class D felony.", True),
        # the offenses in any of their forms, and their kin
        ("A person who assaulted a staff member is guilty of a class B felony.", True),
        ("Criminal trespassing in a dwelling is a class C felony.", True),
        ("Strangulation is a class B felony if the victim is a family member.", True),
        ("Carjacking is punishable by imprisonment for not less than 15 years.", True),
        ("A person who sells stolen valor medals is guilty of a class A misdemeanor.", False),
    ],
)
def test_penalties_count_for_offenses_the_taxonomy_relates_to_trafficking(text, live):
    alive, dead = _live(text, "penalty_increase")
    assert (alive > 0) == live


@pytest.mark.parametrize(
    "text, live",
    [
        (
            "A person commits the offense of labor trafficking if the person obtains another "
            "person for labor by any of the following means: force, fraud or coercion.",
            True,
        ),
        (
            "A person commits the offense of sex trafficking if the person recruits a minor by "
            "electronic means or force or other means.",
            True,
        ),
        (
            '"Trafficker" means a person who commits the offense of labor trafficking by force '
            "or other means.",
            False,
        ),
    ],
)
def test_the_noun_means_is_no_definition(text, live):
    alive, dead = _live(text, "penalty_increase")
    assert (alive > 0) == live


def test_services_offered_on_a_cooperation_condition_are_the_conditions():
    text = (
        "A victim who cooperates with law enforcement in the investigation shall be eligible "
        "for emergency shelter and case management services."
    )
    result = TAGGER.tag(text)
    assert "mandated_cooperation" in result.tags
    assert "survivor_services" not in result.tags
    # offered without a condition, the same services stay services
    free = TAGGER.tag(
        "The department shall provide emergency shelter and case management services to "
        "every victim of human trafficking, regardless of whether the victim reports the crime."
    )
    assert "survivor_services" in free.tags and "mandated_cooperation" not in free.tags


def test_offenses_listed_in_a_restitution_order_are_not_new_offenses():
    alive, _ = _live(
        "The court shall order restitution to the victim of promoting prostitution.",
        "sex_work_criminalization",
    )
    assert alive == 0


@pytest.mark.parametrize(
    "text, live",
    [
        # a victim or a child named beside an offense does not relate it to trafficking
        ("Tampering with a witness or victim of a crime is a class B felony.", False),
        ("Leaving a child unattended in a motor vehicle is a class A misdemeanor.", False),
        # nor does registering to vote
        (
            "A person who makes a false statement in order to register to vote is guilty of a "
            "class A misdemeanor.",
            False,
        ),
        ("Sex trafficking of a child is a class A felony.", True),
    ],
)
def test_victims_children_and_voter_registration_relate_no_offense_to_trafficking(text, live):
    alive, _ = _live(text, "penalty_increase")
    assert (alive > 0) == live


@pytest.mark.parametrize(
    "text, live",
    [
        (
            "The court may reduce a sentence for sex trafficking of life without eligibility "
            "for parole to a sentence of life with eligibility for parole.",
            False,
        ),
        # a reduction denied keeps the penalty
        (
            "A sentence for sex trafficking shall not be reduced below a term of ten years "
            "without eligibility for parole.",
            True,
        ),
    ],
)
def test_a_sentence_cut_short_is_relief_and_one_that_may_not_be_is_a_penalty(text, live):
    alive, _ = _live(text, "penalty_increase")
    assert (alive > 0) == live
