"""Alembic environment: runs our migrations on the configured database."""

from alembic import context

from billwatch.db.models import Base
from billwatch.db.session import get_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run the migrations in one transaction per migration."""
    connectable = config.attributes.get("connection")
    if connectable is None:
        engine = get_engine(config.get_main_option("sqlalchemy.url"))
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=connection.dialect.name == "sqlite",
            )
            with context.begin_transaction():
                context.run_migrations()
    else:
        context.configure(connection=connectable, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
