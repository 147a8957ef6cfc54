"""Roll-call votes (`vote_events`, `vote_counts`, `person_votes`); current-only `tag_evidence`.

`tag_evidence` now shows only the newest classifier run's tags that no one rejected, so counts
do not double after a retrain; `tag_evidence_history` keeps every tag, as the view did before.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "vote_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("jurisdiction_id", sa.Integer, sa.ForeignKey("jurisdictions.id"), nullable=False),
        sa.Column("source_key", sa.String(200), nullable=False),
        sa.Column("bill_id", sa.Integer, sa.ForeignKey("bills.id", ondelete="CASCADE")),
        sa.Column("bill_identifier", sa.String(50)),
        sa.Column("session_identifier", sa.String(50)),
        sa.Column("bill_ref", sa.String(100)),
        sa.Column("chamber", sa.String(20)),
        sa.Column("organization", sa.String(300)),
        sa.Column("motion_text", sa.Text, nullable=False),
        sa.Column("motion_classification", _JSON, nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("result", sa.String(20), nullable=False),
        sa.Column("source_urls", _JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("jurisdiction_id", "source_key"),
    )
    op.create_index("ix_vote_events_bill_id", "vote_events", ["bill_id"])
    op.create_index("ix_vote_events_start_date", "vote_events", ["start_date"])
    op.create_table(
        "vote_counts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "vote_event_id",
            sa.Integer,
            sa.ForeignKey("vote_events.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("option", sa.String(20), nullable=False),
        sa.Column("value", sa.Integer, nullable=False),
        sa.UniqueConstraint("vote_event_id", "option"),
    )
    op.create_index("ix_vote_counts_vote_event_id", "vote_counts", ["vote_event_id"])
    op.create_table(
        "person_votes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "vote_event_id",
            sa.Integer,
            sa.ForeignKey("vote_events.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("option", sa.String(20), nullable=False),
        sa.Column("voter_name", sa.String(200), nullable=False),
        sa.Column("person_ref", sa.String(200)),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id", ondelete="SET NULL")),
    )
    op.create_index("ix_person_votes_vote_event_id", "person_votes", ["vote_event_id"])
    op.create_index("ix_person_votes_person_id", "person_votes", ["person_id"])
    _current_tag_evidence()


def _view_select(name: str) -> str:
    """The SELECT of an existing view, read back from the database's catalogue."""
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        sql = conn.execute(
            sa.text("SELECT sql FROM sqlite_master WHERE type = 'view' AND name = :n"), {"n": name}
        ).scalar_one()
        return str(sql).split(" AS", 1)[1]
    return str(conn.execute(sa.text("SELECT pg_get_viewdef(:n, true)"), {"n": name}).scalar_one())


CURRENT = """CREATE VIEW tag_evidence AS
    SELECT h.* FROM tag_evidence_history h
    WHERE (h.review_state IS NULL OR h.review_state <> 'rejected')
      AND h.classifier_version = COALESCE(
        (SELECT vc.classifier_version FROM version_classifications vc
         WHERE vc.version_id = h.version_id ORDER BY vc.classified_at DESC, vc.id DESC LIMIT 1),
        h.classifier_version)"""


def _current_tag_evidence() -> None:
    history = _view_select("tag_evidence")
    op.execute("DROP VIEW tag_evidence")
    op.execute(f"CREATE VIEW tag_evidence_history AS {history}")
    op.execute(CURRENT)


def downgrade() -> None:
    history = _view_select("tag_evidence_history")
    op.execute("DROP VIEW tag_evidence")
    op.execute("DROP VIEW tag_evidence_history")
    op.execute(f"CREATE VIEW tag_evidence AS {history}")
    op.drop_table("person_votes")
    op.drop_table("vote_counts")
    op.drop_table("vote_events")
