"""Subscribers' own districts per state (alerts name their own legislators); hearings' livestreams.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("subscribers") as batch:
        batch.add_column(sa.Column("districts", JSON_TYPE, nullable=False, server_default="{}"))
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("livestream_url", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("livestream_url")
    with op.batch_alter_table("subscribers") as batch:
        batch.drop_column("districts")
