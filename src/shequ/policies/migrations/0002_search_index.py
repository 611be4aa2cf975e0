"""The full-text index over a policy's jieba tokens, one per database vendor.

SQLite: an FTS5 table (rowid = policy id) kept in step by triggers (only on token changes),
and a second one of the titles alone, whose short lists answer "title has the words" quickly.
PostgreSQL: a generated tsvector column ('simple': the tokens are already cut by jieba)
with a GIN index. Titles weigh more than bodies in both.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

SQLITE_UP = [
    "CREATE VIRTUAL TABLE policies_policy_fts USING fts5(title, body, tokenize='unicode61')",
    "CREATE VIRTUAL TABLE policies_title_fts USING fts5(title, tokenize='unicode61')",
    """CREATE TRIGGER policies_policy_ai AFTER INSERT ON policies_policy BEGIN
        INSERT INTO policies_policy_fts(rowid, title, body)
        VALUES (new.id, new.title_tokens, new.body_tokens);
        INSERT INTO policies_title_fts(rowid, title) VALUES (new.id, new.title_tokens); END""",
    """CREATE TRIGGER policies_policy_ad AFTER DELETE ON policies_policy BEGIN
        DELETE FROM policies_policy_fts WHERE rowid = old.id;
        DELETE FROM policies_title_fts WHERE rowid = old.id; END""",
    """CREATE TRIGGER policies_policy_au AFTER UPDATE OF title_tokens, body_tokens
        ON policies_policy BEGIN
        DELETE FROM policies_policy_fts WHERE rowid = old.id;
        INSERT INTO policies_policy_fts(rowid, title, body)
        VALUES (new.id, new.title_tokens, new.body_tokens);
        DELETE FROM policies_title_fts WHERE rowid = old.id;
        INSERT INTO policies_title_fts(rowid, title) VALUES (new.id, new.title_tokens); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS policies_policy_au",
    "DROP TRIGGER IF EXISTS policies_policy_ad",
    "DROP TRIGGER IF EXISTS policies_policy_ai",
    "DROP TABLE IF EXISTS policies_policy_fts",
    "DROP TABLE IF EXISTS policies_title_fts",
]
POSTGRES_UP = [
    """ALTER TABLE policies_policy ADD COLUMN vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title_tokens), 'A')
        || setweight(to_tsvector('simple', body_tokens), 'B')) STORED""",
    "CREATE INDEX policies_policy_vector ON policies_policy USING GIN (vector)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS policies_policy_vector",
    "ALTER TABLE policies_policy DROP COLUMN IF EXISTS vector",
]


def _run(schema_editor: BaseDatabaseSchemaEditor, statements: dict[str, list[str]]) -> None:
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, {"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP})


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, {"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN})


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
