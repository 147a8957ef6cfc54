"""classify_versions on SQLite and PostgreSQL: stored tags, evidence offsets, idempotency."""

import datetime as dt

from sqlalchemy import func, select
from typer.testing import CliRunner

import classifier
from billwatch.cli import app
from billwatch.db.models import Tag, VersionClassification
from billwatch.db.store import upsert_bill
from billwatch.records import BillRecord, VersionRecord
from classifier.data import load_feedback
from classifier.store import classify_versions
from classifier.taxonomy import TAGS

REPEAL = (
    "AN ACT relating to prostitution.\nSection 1. Section 21-9-304 is amended to read: "
    "A person commits the offense of patronizing prostitution if the person pays a fee "
    "for sexual conduct. Patronizing prostitution is a class B misdemeanor."
)
MIXED = (
    "Section 1. Sex trafficking is a class A felony punishable by imprisonment for life "
    "without parole.\nSection 2. A victim of trafficking may bring a civil action for "
    "actual damages, punitive damages and reasonable attorney fees."
)


def _store(Session):  # noqa: N803
    struck_from = REPEAL.index("A person commits")
    record_a = BillRecord(
        jurisdiction="MO",
        session="2026",
        identifier="SB 42",
        title="Prostitution",
        versions=[
            VersionRecord(note="Introduced", date=dt.date(2026, 1, 5), text=REPEAL),
            VersionRecord(
                note="Amended",
                date=dt.date(2026, 2, 5),
                text=REPEAL + "\nSection 2. This act takes effect.",
                struck=[(struck_from, len(REPEAL))],
            ),
            VersionRecord(note="Enrolled", url="https://example.org/sb42.pdf"),  # no text yet
        ],
    )
    record_b = BillRecord(
        jurisdiction="NY",
        session="2025-2026",
        identifier="S 100",
        versions=[VersionRecord(note="Introduced", text=MIXED)],
    )
    with Session() as session, session.begin():
        upsert_bill(session, record_a)
        upsert_bill(session, record_b)


def _counts(Session):  # noqa: N803
    with Session() as session:
        return (
            session.scalar(select(func.count()).select_from(Tag)),
            session.scalar(select(func.count()).select_from(VersionClassification)),
        )


def test_classify_is_idempotent_and_stores_evidence(Session):  # noqa: N803
    _store(Session)
    assert classify_versions(Session) == 3
    first = _counts(Session)
    assert first[1] == 3 and first[0] >= 4
    assert classify_versions(Session) == 0
    assert _counts(Session) == first
    with Session() as session:
        tags = session.scalars(select(Tag)).all()
        for tag in tags:
            assert tag.version.text[tag.evidence_start : tag.evidence_end] == tag.evidence
            assert tag.classifier_version == classifier.CLASSIFIER_VERSION
        by_version = {}
        for tag in tags:
            by_version.setdefault(tag.version.note + tag.version.bill.identifier, set()).add(
                tag.tag
            )
        assert "sex_work_criminalization" in by_version["IntroducedSB 42"]
        assert "non_criminalization" in by_version["AmendedSB 42"]
        assert "sex_work_criminalization" not in by_version["AmendedSB 42"]
        assert {"penalty_increase", "civil_remedies"} <= by_version["IntroducedS 100"]
        stances = {vc.stance for vc in session.scalars(select(VersionClassification))}
        assert stances == {"ALERT", "TRACK", "mixed"}
        vc = session.scalars(select(VersionClassification)).first()
        assert set(vc.scores) == set(TAGS)


def test_retag_all_keeps_reviews_and_feeds_training(Session):  # noqa: N803
    _store(Session)
    classify_versions(Session, limit=1)
    assert _counts(Session)[1] == 1
    classify_versions(Session)
    with Session() as session, session.begin():
        tag = session.scalars(select(Tag).where(Tag.tag == "civil_remedies")).one()
        tag.review_state = "rejected"
        tag.reviewed_by = "analyst@example.org"
    before = _counts(Session)
    assert classify_versions(Session, pending_only=False) == 3
    assert _counts(Session) == before
    with Session() as session:
        kept = session.scalars(select(Tag).where(Tag.tag == "civil_remedies")).one()
        assert kept.review_state == "rejected"
    feedback = load_feedback(Session)
    assert len(feedback) == 1
    example = feedback[0]
    assert example.known == {"civil_remedies"} and example.labels == set()
    assert example.text.startswith("Section 2. A victim of trafficking")


def test_classify_command(Session, db_url):  # noqa: N803
    _store(Session)
    runner = CliRunner()
    result = runner.invoke(app, ["classify", "--pending"])
    assert result.exit_code == 0, result.output
    assert "tagged 3 version(s)" in result.stdout
    again = runner.invoke(app, ["classify"])
    assert "tagged 0 version(s)" in again.stdout
    both = runner.invoke(app, ["classify", "--all", "--pending"])
    assert both.exit_code == 2


def test_train_command_uses_reviewed_tags(Session, db_url, tmp_path):  # noqa: N803
    from tests.classifier.test_train import _small_config, _write_corpus

    _store(Session)
    classify_versions(Session)
    with Session() as session, session.begin():
        for tag in session.scalars(select(Tag).where(Tag.tag == "civil_remedies")):
            tag.review_state = "confirmed"
    result = CliRunner().invoke(
        app,
        [
            "train",
            "--corpus",
            str(_write_corpus(tmp_path)),
            "--no-own",
            "--no-cache",
            "--folds",
            "2",
            "--config",
            str(_small_config(tmp_path)),
            "--output",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "and 1 other examples" in result.stdout


def test_only_the_tags_the_bill_carries_are_stored(Session):  # noqa: N803
    from billwatch.db.models import BillVersion
    from classifier.store import write_result
    from classifier.tagger import DocResult, Evidence, SectionResult

    _store(Session)
    scores = dict.fromkeys(TAGS, 0.0) | {"penalty_increase": 0.9, "civil_remedies": 0.6}
    body = SectionResult(
        1,
        "Section 1",
        0,
        90,
        ["penalty_increase"],
        scores,
        [Evidence("penalty_increase", 11, 40, MIXED[11:40])],
    )
    slip = SectionResult(
        2,
        "Section 2",
        91,
        len(MIXED),
        ["civil_remedies"],
        scores,
        [Evidence("civil_remedies", 102, 140, MIXED[102:140])],
    )
    # the bill gate kept penalty_increase and judged civil_remedies a slip of one section
    result = DocResult([body, slip], ["penalty_increase"], [body.evidence[0]], scores, "ALERT")
    with Session() as session, session.begin():
        row = session.scalars(select(BillVersion).where(BillVersion.text == MIXED)).one()
        write_result(session, row, result, "test")
    with Session() as session:
        stored = session.scalars(select(Tag).where(Tag.classifier_version == "test")).all()
        assert [(t.section_index, t.tag) for t in stored] == [(1, "penalty_increase")]
        vc = session.scalars(
            select(VersionClassification).where(VersionClassification.classifier_version == "test")
        ).one()
        assert vc.stance == "ALERT"


def test_feedback_follows_the_evidence_when_section_numbers_move(Session):  # noqa: N803
    # A review stored under another splitting of the text (its section number now names other
    # words) still trains on the words it was given on; one that cannot be placed is left out.
    _store(Session)
    classify_versions(Session)
    with Session() as session, session.begin():
        tag = session.scalars(select(Tag).where(Tag.tag == "civil_remedies")).one()
        tag.review_state, tag.section_index = "rejected", 0
        other = session.scalars(select(Tag).where(Tag.tag != "civil_remedies")).first()
        other.review_state, other.evidence_start = "confirmed", None
        other.section_label = "Section 99"
    [example] = load_feedback(Session)
    assert example.known == {"civil_remedies"}
    assert example.text.startswith("Section 2. A victim of trafficking")
