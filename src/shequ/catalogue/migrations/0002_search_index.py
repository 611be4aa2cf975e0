"""The full-text index over SearchEntry's jieba tokens, one per database vendor.

SQLite: an FTS5 table (rowid = entry id) kept in step by triggers.
PostgreSQL: a generated tsvector column ('simple' configuration: tokens are already cut by
jieba) with a GIN index. Titles weigh more than bodies in both.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

SQLITE_UP = [
    "CREATE VIRTUAL TABLE catalogue_search_fts USING fts5(title, body, tokenize='unicode61')",
    """CREATE TRIGGER catalogue_search_ai AFTER INSERT ON catalogue_searchentry BEGIN
        INSERT INTO catalogue_search_fts(rowid, title, body)
        VALUES (new.id, new.title_tokens, new.body_tokens); END""",
    """CREATE TRIGGER catalogue_search_ad AFTER DELETE ON catalogue_searchentry BEGIN
        DELETE FROM catalogue_search_fts WHERE rowid = old.id; END""",
    """CREATE TRIGGER catalogue_search_au AFTER UPDATE ON catalogue_searchentry BEGIN
        DELETE FROM catalogue_search_fts WHERE rowid = old.id;
        INSERT INTO catalogue_search_fts(rowid, title, body)
        VALUES (new.id, new.title_tokens, new.body_tokens); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS catalogue_search_au",
    "DROP TRIGGER IF EXISTS catalogue_search_ad",
    "DROP TRIGGER IF EXISTS catalogue_search_ai",
    "DROP TABLE IF EXISTS catalogue_search_fts",
]
POSTGRES_UP = [
    """ALTER TABLE catalogue_searchentry ADD COLUMN vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title_tokens), 'A')
        || setweight(to_tsvector('simple', body_tokens), 'B')) STORED""",
    "CREATE INDEX catalogue_search_vector ON catalogue_searchentry USING GIN (vector)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS catalogue_search_vector",
    "ALTER TABLE catalogue_searchentry DROP COLUMN IF EXISTS vector",
]


def _run(schema_editor: BaseDatabaseSchemaEditor, statements: dict[str, list[str]]) -> None:
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, {"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP})


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, {"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN})


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
