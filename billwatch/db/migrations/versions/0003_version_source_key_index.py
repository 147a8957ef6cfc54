"""Index bill_versions.source_key: ingests and spiders look versions up by document id.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_bill_versions_source_key", "bill_versions", ["source_key"])


def downgrade() -> None:
    op.drop_index("ix_bill_versions_source_key", table_name="bill_versions")
