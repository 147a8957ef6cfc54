"""Give every subscriber an unguessable value that their unsubscribe tokens must carry.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("subscribers", sa.Column("unsubscribe_nonce", sa.String(64), nullable=True))
    subscribers = sa.table(
        "subscribers", sa.column("id", sa.Integer), sa.column("unsubscribe_nonce")
    )
    conn = op.get_bind()
    # One value per row, made here: SQL has no portable cryptographic random function.
    for (subscriber_id,) in conn.execute(sa.select(subscribers.c.id)).all():
        conn.execute(
            subscribers.update()
            .where(subscribers.c.id == subscriber_id)
            .values(unsubscribe_nonce=secrets.token_urlsafe(16))
        )
    with op.batch_alter_table("subscribers") as batch:
        batch.alter_column("unsubscribe_nonce", existing_type=sa.String(64), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("subscribers") as batch:
        batch.drop_column("unsubscribe_nonce")
