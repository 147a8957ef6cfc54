"""Per-bill summary tables kept by triggers; `bill_overview` reads them (faceted search speed).

`bill_summary` holds what `bill_overview` derived per bill with correlated subqueries (latest
version, its latest classifier, stance, tags) and `bill_tag_summary` one row per current tag.
Triggers on bill_versions, version_classifications, tags and bills rewrite a bill's rows in the
same transaction as the change, whatever writes it. Existing databases are filled here.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

LATEST_VERSION = (
    "SELECT v.id FROM bill_versions v WHERE v.bill_id = {b}"
    " ORDER BY v.date IS NULL, v.date DESC, v.id DESC LIMIT 1"
)
LATEST_CLASSIFICATION = (
    "SELECT vc.{col} FROM version_classifications vc WHERE vc.version_id = lv.id"
    " ORDER BY vc.classified_at DESC, vc.id DESC LIMIT 1"
)
NOT_REJECTED = "(t.review_state IS NULL OR t.review_state <> 'rejected')"


def _fill(b: str, agg: str, where: str) -> list[str]:
    """INSERTs of the summary rows of the bills matching `where` (no UPDATE: no dead rows)."""
    return [
        "INSERT INTO bill_summary (bill_id, jurisdiction_id, session_id, stage, last_action_date,"
        " latest_version_id, classifier_version, stance, tags)"
        " SELECT b.id, b.jurisdiction_id, b.session_id, b.stage, b.last_action_date, lv.id,"
        f" ({LATEST_CLASSIFICATION.format(col='classifier_version')}),"
        f" ({LATEST_CLASSIFICATION.format(col='stance')}),"
        f" (SELECT {agg} FROM tags t WHERE t.version_id = lv.id AND t.classifier_version ="
        f" ({LATEST_CLASSIFICATION.format(col='classifier_version')}) AND {NOT_REJECTED})"
        f" FROM bills b LEFT JOIN bill_versions lv ON lv.id = ({LATEST_VERSION.format(b=b)})"
        f" WHERE {where}",
        "INSERT INTO bill_tag_summary (bill_id, tag)"
        " SELECT DISTINCT s.bill_id, t.tag FROM bill_summary s JOIN tags t"
        " ON t.version_id = s.latest_version_id AND t.classifier_version = s.classifier_version"
        f" WHERE {where.replace('b.id', 's.bill_id')} AND {NOT_REJECTED}",
    ]


def _refresh(b: str, agg: str) -> list[str]:
    """The statements that rewrite bill `b`'s summary rows."""
    return [
        f"DELETE FROM bill_tag_summary WHERE bill_id = {b}",
        f"DELETE FROM bill_summary WHERE bill_id = {b}",
        *_fill("b.id", agg, f"b.id = {b}"),
    ]


def _view(summary: bool) -> str:
    """`bill_overview`: from the summary tables, or (downgrade) with its own subqueries."""
    joins = (
        "LEFT JOIN bill_summary bs ON bs.bill_id = b.id"
        " LEFT JOIN bill_versions lv ON lv.id = bs.latest_version_id"
    )
    return f"""CREATE VIEW bill_overview AS
        SELECT b.id AS bill_id, j.code AS jurisdiction, s.identifier AS session,
               b.identifier, b.title, b.status, b.stage, b.last_action_date,
               lv.id AS latest_version_id, lv.note AS latest_version_note,
               lv.date AS latest_version_date, lv.url AS latest_version_url,
               bs.stance AS stance, bs.tags AS tags,
               b.first_seen, b.last_seen
        FROM bills b
        JOIN jurisdictions j ON j.id = b.jurisdiction_id
        JOIN legislative_sessions s ON s.id = b.session_id
        {joins if summary else ""}"""


BILL_COPIES = ("jurisdiction_id", "session_id", "stage", "last_action_date")
COPY = (
    "UPDATE bill_summary SET "
    + ", ".join(f"{c} = {{row}}.{c}" for c in BILL_COPIES)
    + " WHERE bill_id = {row}.id"
)
SQLITE_AGG = "group_concat(DISTINCT t.tag)"
POSTGRES_AGG = "string_agg(DISTINCT t.tag, ',' ORDER BY t.tag)"
WATCHED = ("version_classifications", "tags")


def _sqlite_triggers() -> list[str]:
    def body(*bills: str) -> str:
        return " ".join(f"{st};" for b in bills for st in _refresh(b, SQLITE_AGG))

    of_version = "(SELECT bill_id FROM bill_versions WHERE id = {row}.version_id)"
    out = [
        "CREATE TRIGGER bill_summary_versions_ai AFTER INSERT ON bill_versions BEGIN"
        f" {body('NEW.bill_id')} END",
        "CREATE TRIGGER bill_summary_versions_ad AFTER DELETE ON bill_versions BEGIN"
        f" {body('OLD.bill_id')} END",
        "CREATE TRIGGER bill_summary_versions_au AFTER UPDATE OF bill_id, date ON bill_versions"
        f" BEGIN {body('OLD.bill_id', 'NEW.bill_id')} END",
        "CREATE TRIGGER bill_summary_bills_ad AFTER DELETE ON bills BEGIN"
        " DELETE FROM bill_tag_summary WHERE bill_id = OLD.id;"
        " DELETE FROM bill_summary WHERE bill_id = OLD.id; END",
        f"CREATE TRIGGER bill_summary_bills_ai AFTER INSERT ON bills BEGIN {body('NEW.id')} END",
        f"CREATE TRIGGER bill_summary_bills_au AFTER UPDATE OF {', '.join(BILL_COPIES)} ON bills"
        f" BEGIN {COPY.format(row='NEW')}; END",
    ]
    for table in WATCHED:
        old, new = of_version.format(row="OLD"), of_version.format(row="NEW")
        out += [
            f"CREATE TRIGGER bill_summary_{table}_ai AFTER INSERT ON {table} BEGIN {body(new)} END",
            f"CREATE TRIGGER bill_summary_{table}_ad AFTER DELETE ON {table} BEGIN {body(old)} END",
            f"CREATE TRIGGER bill_summary_{table}_au AFTER UPDATE ON {table} BEGIN"
            f" {body(old, new)} END",
        ]
    return out


def _postgres_triggers() -> list[str]:
    statements = "\n".join(f"  {st};" for st in _refresh("bill", POSTGRES_AGG))
    return [
        # Refreshes of one bill take turns (a lock on the bill's row, kept in the row itself, so
        # a bulk load of many bills does not fill the lock table), so that two transactions
        # changing the same bill (a crawl and the classifier) cannot interleave.
        f"""CREATE FUNCTION bill_summary_refresh(bill integer) RETURNS void
        LANGUAGE plpgsql AS $$
        BEGIN
          IF bill IS NULL THEN RETURN; END IF;
          PERFORM 1 FROM bills WHERE id = bill FOR NO KEY UPDATE;
        {statements}
        END $$""",
        """CREATE FUNCTION bill_summary_on_version() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP <> 'INSERT' THEN PERFORM bill_summary_refresh(OLD.bill_id); END IF;
          IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.bill_id <> OLD.bill_id) THEN
            PERFORM bill_summary_refresh(NEW.bill_id);
          END IF;
          RETURN NULL;
        END $$""",
        """CREATE FUNCTION bill_summary_on_classification() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP <> 'INSERT' THEN
            PERFORM bill_summary_refresh(
              (SELECT bill_id FROM bill_versions WHERE id = OLD.version_id));
          END IF;
          IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.version_id <> OLD.version_id) THEN
            PERFORM bill_summary_refresh(
              (SELECT bill_id FROM bill_versions WHERE id = NEW.version_id));
          END IF;
          RETURN NULL;
        END $$""",
        f"""CREATE FUNCTION bill_summary_on_bill() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'INSERT' THEN
            PERFORM bill_summary_refresh(NEW.id);
          ELSIF TG_OP = 'UPDATE' THEN
            {COPY.format(row="NEW")};
          ELSE
            DELETE FROM bill_tag_summary WHERE bill_id = OLD.id;
            DELETE FROM bill_summary WHERE bill_id = OLD.id;
          END IF;
          RETURN NULL;
        END $$""",
        "CREATE TRIGGER bill_summary_versions AFTER INSERT OR DELETE OR UPDATE OF bill_id, date"
        " ON bill_versions FOR EACH ROW EXECUTE FUNCTION bill_summary_on_version()",
        "CREATE TRIGGER bill_summary_bills AFTER INSERT OR DELETE OR UPDATE OF"
        f" {', '.join(BILL_COPIES)} ON bills FOR EACH ROW EXECUTE FUNCTION bill_summary_on_bill()",
        *(
            f"CREATE TRIGGER bill_summary_{table} AFTER INSERT OR DELETE OR UPDATE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION bill_summary_on_classification()"
            for table in WATCHED
        ),
    ]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "bill_summary",
        sa.Column("bill_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=True),
        sa.Column("last_action_date", sa.Date(), nullable=True),
        sa.Column("latest_version_id", sa.Integer(), nullable=True),
        sa.Column("classifier_version", sa.String(length=50), nullable=True),
        sa.Column("stance", sa.String(length=10), nullable=True),
        sa.Column("tags", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("bill_id"),
        sa.UniqueConstraint("latest_version_id"),
    )
    op.create_index("ix_bill_summary_stance", "bill_summary", ["stance"])
    op.create_index(
        "ix_bill_summary_jurisdiction", "bill_summary", ["jurisdiction_id", "session_id"]
    )
    op.create_table(
        "bill_tag_summary",
        sa.Column("bill_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("bill_id", "tag"),
    )
    op.create_index("ix_bill_tag_summary_tag", "bill_tag_summary", ["tag", "bill_id"])
    for statement in _fill("b.id", SQLITE_AGG if sqlite else POSTGRES_AGG, "1 = 1"):
        op.execute(statement)
    op.execute("DROP VIEW bill_overview")
    op.execute(_view(summary=True))
    for statement in _sqlite_triggers() if sqlite else _postgres_triggers():
        op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for statement in _sqlite_triggers():
            op.execute(f"DROP TRIGGER IF EXISTS {statement.split()[2]}")
    else:
        for name, table in (
            ("bill_summary_versions", "bill_versions"),
            ("bill_summary_bills", "bills"),
            *((f"bill_summary_{t}", t) for t in WATCHED),
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for fn in (
            "bill_summary_on_version()",
            "bill_summary_on_classification()",
            "bill_summary_on_bill()",
            "bill_summary_refresh(integer)",
        ):
            op.execute(f"DROP FUNCTION IF EXISTS {fn}")
    op.execute("DROP VIEW bill_overview")
    op.execute(_old_view(sqlite))
    op.drop_index("ix_bill_tag_summary_tag", table_name="bill_tag_summary")
    op.drop_table("bill_tag_summary")
    op.drop_index("ix_bill_summary_jurisdiction", table_name="bill_summary")
    op.drop_index("ix_bill_summary_stance", table_name="bill_summary")
    op.drop_table("bill_summary")


def _old_view(sqlite: bool) -> str:
    """The view as 0002 made it (per-bill subqueries)."""
    agg = (
        "group_concat(DISTINCT t.tag)"
        if sqlite
        else "string_agg(DISTINCT t.tag, ',' ORDER BY t.tag)"
    )
    classifier = LATEST_CLASSIFICATION.format(col="classifier_version")
    return (
        _view(summary=False)
        .replace(
            "bs.stance AS stance, bs.tags AS tags,",
            f"({LATEST_CLASSIFICATION.format(col='stance')}) AS stance,"
            f" (SELECT {agg} FROM tags t WHERE t.version_id = lv.id"
            f" AND t.classifier_version = ({classifier}) AND {NOT_REJECTED}) AS tags,",
        )
        .rstrip()
        + f" LEFT JOIN bill_versions lv ON lv.id = ({LATEST_VERSION.format(b='b.id')})"
    )
