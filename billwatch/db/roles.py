"""A read-only PostgreSQL role for analysts who prefer SQL: SELECT on the legislative tables and
the documented views, now and for tables made later; nothing on members' or staff's data."""

from __future__ import annotations

import re

from sqlalchemy import Engine, text

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Personal data and secrets (members, their mail, staff accounts and keys): admins only.
PRIVATE_TABLES = (
    "subscribers",
    "subscriptions",
    "outbox",
    "deliveries",
    "users",
    "web_sessions",
    "api_keys",
    "follows",
    "tag_reviews",
)


class RoleError(ValueError):
    """The role cannot be made here; the message says why."""


def grant_readonly(engine: Engine, role: str) -> list[str]:
    """Create `role` (NOLOGIN) if needed and grant it read access; returns the tables granted.

    Members of the role (`GRANT role TO analyst`) read through it. Default privileges make
    tables and views created later by the migrating user readable too, except private ones,
    which a later migration must keep out by name (the private list above is revoked each run).
    """
    if engine.dialect.name != "postgresql":
        raise RoleError(
            "database roles exist only on PostgreSQL; a SQLite file is shared read-only by "
            "giving analysts a copy, or by opening it with ?mode=ro"
        )
    if not ROLE_NAME.match(role) or role.startswith("pg_"):
        raise RoleError("a role name is lower-case letters, digits and _, at most 63 characters")
    quoted = f'"{role}"'  # checked above: no quote can be in it
    with engine.begin() as conn:
        schema = conn.scalar(text("SELECT current_schema()"))
        if not schema:
            raise RoleError("no current schema: set the search_path")
        exists = conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
        if not exists:
            conn.execute(text(f"CREATE ROLE {quoted} NOLOGIN"))
        ident = conn.scalar(text("SELECT quote_ident(:s)"), {"s": schema})
        conn.execute(text(f"GRANT USAGE ON SCHEMA {ident} TO {quoted}"))
        conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA {ident} TO {quoted}"))
        conn.execute(
            text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {ident} GRANT SELECT ON TABLES TO {quoted}")
        )
        names = list(
            conn.scalars(
                text(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = :s "
                    "ORDER BY table_name"
                ),
                {"s": schema},
            )
        )
        for name in PRIVATE_TABLES:
            if name in names:
                conn.execute(text(f'REVOKE ALL ON {ident}."{name}" FROM {quoted}'))
    return [n for n in names if n not in PRIVATE_TABLES]
