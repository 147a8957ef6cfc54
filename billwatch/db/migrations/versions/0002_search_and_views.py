"""Full-text search (SQLite FTS5, PostgreSQL tsvector) and the analysts' SQL views.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ALERT_TAGS = (
    "penalty_increase",
    "sex_work_criminalization",
    "diversion_court",
    "arrest_to_services",
    "mandated_cooperation",
    "carceral_funding",
    "detention_forced_labor",
    "immigration_enforcement",
)

SQLITE_SEARCH = [
    # External-content FTS5 tables: the text lives once, in bills and bill_versions.
    "CREATE VIRTUAL TABLE bill_title_fts USING fts5(title, content='bills', content_rowid='id',"
    " tokenize='porter unicode61')",
    "CREATE VIRTUAL TABLE version_text_fts USING fts5(text, content='bill_versions',"
    " content_rowid='id', tokenize='porter unicode61')",
    "CREATE TRIGGER bills_fts_ai AFTER INSERT ON bills BEGIN"
    " INSERT INTO bill_title_fts(rowid, title) VALUES (new.id, new.title); END",
    "CREATE TRIGGER bills_fts_ad AFTER DELETE ON bills BEGIN"
    " INSERT INTO bill_title_fts(bill_title_fts, rowid, title) VALUES ('delete', old.id, old.title);"
    " END",
    "CREATE TRIGGER bills_fts_au AFTER UPDATE OF title ON bills BEGIN"
    " INSERT INTO bill_title_fts(bill_title_fts, rowid, title) VALUES ('delete', old.id, old.title);"
    " INSERT INTO bill_title_fts(rowid, title) VALUES (new.id, new.title); END",
    "CREATE TRIGGER versions_fts_ai AFTER INSERT ON bill_versions BEGIN"
    " INSERT INTO version_text_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER versions_fts_ad AFTER DELETE ON bill_versions BEGIN"
    " INSERT INTO version_text_fts(version_text_fts, rowid, text)"
    " VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER versions_fts_au AFTER UPDATE OF text ON bill_versions BEGIN"
    " INSERT INTO version_text_fts(version_text_fts, rowid, text)"
    " VALUES ('delete', old.id, old.text);"
    " INSERT INTO version_text_fts(rowid, text) VALUES (new.id, new.text); END",
]

POSTGRES_SEARCH = [
    "ALTER TABLE bills ADD COLUMN search_vector tsvector GENERATED ALWAYS AS"
    " (to_tsvector('english', coalesce(title, ''))) STORED",
    "CREATE INDEX ix_bills_search_vector ON bills USING gin (search_vector)",
    # A tsvector holds at most 1 MB, so very long texts are indexed on their first 400,000 chars.
    "ALTER TABLE bill_versions ADD COLUMN search_vector tsvector GENERATED ALWAYS AS"
    " (to_tsvector('english', left(coalesce(text, ''), 400000))) STORED",
    "CREATE INDEX ix_bill_versions_search_vector ON bill_versions USING gin (search_vector)",
]


def _views(agg: str) -> list[str]:
    """The analysts' views; `agg` is the dialect's string aggregate of DISTINCT t.tag."""
    alert_list = ", ".join(f"'{t}'" for t in ALERT_TAGS)
    latest_version = (
        "SELECT v.id FROM bill_versions v WHERE v.bill_id = b.id"
        " ORDER BY v.date IS NULL, v.date DESC, v.id DESC LIMIT 1"
    )
    latest_classifier = (
        "SELECT vc.classifier_version FROM version_classifications vc"
        " WHERE vc.version_id = {v} ORDER BY vc.classified_at DESC, vc.id DESC LIMIT 1"
    )
    return [
        f"""CREATE VIEW bill_overview AS
        SELECT b.id AS bill_id, j.code AS jurisdiction, s.identifier AS session,
               b.identifier, b.title, b.status, b.stage, b.last_action_date,
               lv.id AS latest_version_id, lv.note AS latest_version_note,
               lv.date AS latest_version_date, lv.url AS latest_version_url,
               (SELECT vc.stance FROM version_classifications vc WHERE vc.version_id = lv.id
                 ORDER BY vc.classified_at DESC, vc.id DESC LIMIT 1) AS stance,
               (SELECT {agg} FROM tags t WHERE t.version_id = lv.id
                 AND t.classifier_version = ({latest_classifier.format(v="lv.id")})
                 AND (t.review_state IS NULL OR t.review_state <> 'rejected')) AS tags,
               b.first_seen, b.last_seen
        FROM bills b
        JOIN jurisdictions j ON j.id = b.jurisdiction_id
        JOIN legislative_sessions s ON s.id = b.session_id
        LEFT JOIN bill_versions lv ON lv.id = ({latest_version})""",
        f"""CREATE VIEW tag_evidence AS
        SELECT t.id AS tag_id, t.tag,
               CASE WHEN t.tag IN ({alert_list}) THEN 'ALERT' ELSE 'TRACK' END AS tag_group,
               t.score, t.evidence, t.evidence_start, t.evidence_end,
               t.section_index, t.section_label, t.classifier_version, t.review_state,
               v.id AS version_id, v.note AS version_note, v.date AS version_date,
               b.id AS bill_id, j.code AS jurisdiction, s.identifier AS session,
               b.identifier, b.title, b.status
        FROM tags t
        JOIN bill_versions v ON v.id = t.version_id
        JOIN bills b ON b.id = v.bill_id
        JOIN jurisdictions j ON j.id = b.jurisdiction_id
        JOIN legislative_sessions s ON s.id = b.session_id""",
    ]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        statements = SQLITE_SEARCH + _views("group_concat(DISTINCT t.tag)")
    else:
        statements = POSTGRES_SEARCH + _views("string_agg(DISTINCT t.tag, ',' ORDER BY t.tag)")
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS tag_evidence")
    op.execute("DROP VIEW IF EXISTS bill_overview")
    if op.get_bind().dialect.name == "sqlite":
        for name in (
            "bills_fts_ai",
            "bills_fts_ad",
            "bills_fts_au",
            "versions_fts_ai",
            "versions_fts_ad",
            "versions_fts_au",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS bill_title_fts")
        op.execute("DROP TABLE IF EXISTS version_text_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_bill_versions_search_vector")
        op.execute("DROP INDEX IF EXISTS ix_bills_search_vector")
        op.execute("ALTER TABLE bill_versions DROP COLUMN IF EXISTS search_vector")
        op.execute("ALTER TABLE bills DROP COLUMN IF EXISTS search_vector")
