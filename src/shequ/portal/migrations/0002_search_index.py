"""The full-text index over SearchDocument's jieba tokens, as the catalogue's (0002 there).

SQLite: an FTS5 table (rowid = document id) kept in step by triggers.
PostgreSQL: a generated tsvector column ('simple': the tokens are already cut) with a GIN index.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

SQLITE_UP = [
    "CREATE VIRTUAL TABLE portal_search_fts USING fts5(title, body, tokenize='unicode61')",
    """CREATE TRIGGER portal_search_ai AFTER INSERT ON portal_searchdocument BEGIN
        INSERT INTO portal_search_fts(rowid, title, body)
        VALUES (new.id, new.title_tokens, new.body_tokens); END""",
    """CREATE TRIGGER portal_search_ad AFTER DELETE ON portal_searchdocument BEGIN
        DELETE FROM portal_search_fts WHERE rowid = old.id; END""",
    """CREATE TRIGGER portal_search_au AFTER UPDATE ON portal_searchdocument BEGIN
        DELETE FROM portal_search_fts WHERE rowid = old.id;
        INSERT INTO portal_search_fts(rowid, title, body)
        VALUES (new.id, new.title_tokens, new.body_tokens); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS portal_search_au",
    "DROP TRIGGER IF EXISTS portal_search_ad",
    "DROP TRIGGER IF EXISTS portal_search_ai",
    "DROP TABLE IF EXISTS portal_search_fts",
]
POSTGRES_UP = [
    """ALTER TABLE portal_searchdocument ADD COLUMN vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title_tokens), 'A')
        || setweight(to_tsvector('simple', body_tokens), 'B')) STORED""",
    "CREATE INDEX portal_search_vector ON portal_searchdocument USING GIN (vector)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS portal_search_vector",
    "ALTER TABLE portal_searchdocument DROP COLUMN IF EXISTS vector",
]


def _run(schema_editor: BaseDatabaseSchemaEditor, statements: dict[str, list[str]]) -> None:
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, {"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP})


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, {"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN})


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
