"""One person per legislator: `people.merged_into_id` and the `person_matches` review list.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("merged_into_id", sa.Integer, nullable=True))
        batch.create_foreign_key(
            "fk_people_merged_into_id", "people", ["merged_into_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index("ix_people_merged_into_id", ["merged_into_id"])
    op.create_table(
        "person_matches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "person_id", sa.Integer, sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "candidate_id",
            sa.Integer,
            sa.ForeignKey("people.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("decided_by", sa.String(200)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("person_id", "candidate_id"),
    )


def downgrade() -> None:
    op.drop_table("person_matches")
    with op.batch_alter_table("people") as batch:
        batch.drop_index("ix_people_merged_into_id")
        batch.drop_constraint("fk_people_merged_into_id", type_="foreignkey")
        batch.drop_column("merged_into_id")
