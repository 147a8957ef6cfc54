"""Keep a hash of the last record written for each bill, so an unchanged re-run writes nothing.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("bills", sa.Column("record_hash", sa.String(64), nullable=True))


def downgrade() -> None:
    # Not batch mode: rebuilding `bills` on SQLite breaks the views that read it; SQLite (3.35+)
    # drops a plain column in place.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE bills DROP COLUMN record_hash")
    else:
        op.drop_column("bills", "record_hash")
