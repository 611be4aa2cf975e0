"""Proposals found by their jieba words: the token column, filled for the proposals already
there, and the full-text index over it, one per database vendor (as the catalogue's 0002).

SQLite: an FTS5 table (rowid = proposal id) kept in step by triggers (only when the tokens
change). PostgreSQL: a generated tsvector column ('simple': the words are already cut by
jieba) with a GIN index.
"""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

SQLITE_UP = [
    "CREATE VIRTUAL TABLE participation_proposal_fts USING fts5(words, tokenize='unicode61')",
    """CREATE TRIGGER participation_proposal_fts_ai AFTER INSERT ON participation_proposal
        BEGIN INSERT INTO participation_proposal_fts(rowid, words)
        VALUES (new.id, new.search_tokens); END""",
    """CREATE TRIGGER participation_proposal_fts_ad AFTER DELETE ON participation_proposal
        BEGIN DELETE FROM participation_proposal_fts WHERE rowid = old.id; END""",
    """CREATE TRIGGER participation_proposal_fts_au AFTER UPDATE OF search_tokens
        ON participation_proposal BEGIN
        DELETE FROM participation_proposal_fts WHERE rowid = old.id;
        INSERT INTO participation_proposal_fts(rowid, words)
        VALUES (new.id, new.search_tokens); END""",
    """INSERT INTO participation_proposal_fts(rowid, words)
        SELECT id, search_tokens FROM participation_proposal""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS participation_proposal_fts_au",
    "DROP TRIGGER IF EXISTS participation_proposal_fts_ad",
    "DROP TRIGGER IF EXISTS participation_proposal_fts_ai",
    "DROP TABLE IF EXISTS participation_proposal_fts",
]
POSTGRES_UP = [
    """ALTER TABLE participation_proposal ADD COLUMN search_vector tsvector
        GENERATED ALWAYS AS (to_tsvector('simple', search_tokens)) STORED""",
    """CREATE INDEX participation_proposal_search ON participation_proposal
        USING GIN (search_vector)""",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS participation_proposal_search",
    "ALTER TABLE participation_proposal DROP COLUMN IF EXISTS search_vector",
]


def fill_tokens(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from shequ.participation.search import proposal_tokens

    proposal = apps.get_model("participation", "Proposal")
    rows = proposal.objects.using(schema_editor.connection.alias).only("title", "description")
    changed = []
    for row in rows.iterator(chunk_size=1000):
        row.search_tokens = proposal_tokens(row.title, row.description)
        changed.append(row)
    proposal.objects.using(schema_editor.connection.alias).bulk_update(
        changed, ["search_tokens"], batch_size=1000
    )


def _run(schema_editor: BaseDatabaseSchemaEditor, statements: dict[str, list[str]]) -> None:
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, {"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP})


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, {"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN})


class Migration(migrations.Migration):
    dependencies = [("participation", "0012_proposal_find_orders")]
    operations = [
        migrations.AddField(
            model_name="proposal",
            name="search_tokens",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(fill_tokens, migrations.RunPython.noop),
        migrations.RunPython(forwards, backwards),
    ]
