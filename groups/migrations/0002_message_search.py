"""Full-text search on message bodies: an FTS5 index kept by triggers on
SQLite, a GIN expression index on PostgreSQL (see groups/search.py)."""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE groups_message_fts USING fts5("
    "body, content='groups_message', content_rowid='id', tokenize='porter unicode61')",
    "CREATE TRIGGER groups_message_fts_ai AFTER INSERT ON groups_message BEGIN "
    "INSERT INTO groups_message_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER groups_message_fts_ad AFTER DELETE ON groups_message BEGIN "
    "INSERT INTO groups_message_fts(groups_message_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER groups_message_fts_au AFTER UPDATE OF body ON groups_message BEGIN "
    "INSERT INTO groups_message_fts(groups_message_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO groups_message_fts(rowid, body) VALUES (new.id, new.body); END",
    "INSERT INTO groups_message_fts(groups_message_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS groups_message_fts_au",
    "DROP TRIGGER IF EXISTS groups_message_fts_ad",
    "DROP TRIGGER IF EXISTS groups_message_fts_ai",
    "DROP TABLE IF EXISTS groups_message_fts",
]
POSTGRES_FORWARD = [
    "CREATE INDEX IF NOT EXISTS groups_message_body_fts ON groups_message USING GIN (to_tsvector('english', body))"
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS groups_message_body_fts"]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("groups", "0001_initial")]

    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
