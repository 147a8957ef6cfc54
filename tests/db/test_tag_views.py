"""`tag_evidence` holds the current classifier's unrejected tags; the history view holds all."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, text

from billwatch.db.models import Bill, Tag, VersionClassification
from billwatch.db.session import upgrade
from billwatch.db.store import upsert_bill
from billwatch.records import BillRecord, VersionRecord


def tagged(Session) -> None:  # noqa: N803 - the sessionmaker fixture
    record = BillRecord(
        jurisdiction="CA",
        session="2025-2026",
        identifier="AB 5",
        versions=[VersionRecord(note="Introduced", text="SECTION 1. Wages weekly.")],
    )
    with Session.begin() as s:
        upsert_bill(s, record)
        version = s.scalar(select(Bill)).versions[0]
        old = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        s.add(
            VersionClassification(
                version_id=version.id, classifier_version="v1", stance="TRACK", classified_at=old
            )
        )
        s.add(VersionClassification(version_id=version.id, classifier_version="v2", stance="TRACK"))
        for classifier, tag, review in [
            ("v1", "worker_protections", None),  # the retrained model's run replaces it
            ("v2", "worker_protections", None),
            ("v2", "housing", "rejected"),
        ]:
            s.add(
                Tag(
                    version_id=version.id,
                    tag=tag,
                    score=0.9,
                    classifier_version=classifier,
                    review_state=review,
                )
            )


def test_current_view_counts_each_tag_once(Session):
    tagged(Session)
    with Session() as s:
        current = s.execute(text("SELECT tag, classifier_version FROM tag_evidence")).all()
        history = s.execute(text("SELECT count(*) FROM tag_evidence_history")).scalar()
    assert current == [("worker_protections", "v2")]
    assert history == 3


def test_downgrade_restores_the_old_view(tmp_path):
    from alembic import command

    from billwatch.db.session import alembic_config, get_engine

    url = f"sqlite:///{tmp_path / 'down.db'}"
    upgrade(url)
    command.downgrade(alembic_config(url), "0006")
    with get_engine(url).connect() as conn:
        names = {
            r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'view'"))
        }
        assert names == {"bill_overview", "tag_evidence"}
        assert conn.execute(text("SELECT count(*) FROM tag_evidence")).scalar() == 0
    upgrade(url)
