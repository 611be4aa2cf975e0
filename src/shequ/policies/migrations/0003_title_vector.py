"""PostgreSQL: the titles' own tsvector with its own GIN index, for the title pass of the
search. Restricting the whole-document vector to weight 'A' is estimated by the planner as if
the weight were not there (the statistics know lexemes, not weights): a title search for words
common in texts but absent from titles walked the whole table backwards (hundreds of
milliseconds at 100,000 policies). SQLite has had a titles-only FTS5 table since 0002."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

UP = [
    """ALTER TABLE policies_policy ADD COLUMN title_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('simple', title_tokens)) STORED""",
    "CREATE INDEX policies_policy_title_vector ON policies_policy USING GIN (title_vector)",
]
DOWN = [
    "DROP INDEX IF EXISTS policies_policy_title_vector",
    "ALTER TABLE policies_policy DROP COLUMN IF EXISTS title_vector",
]


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for sql in UP:
            schema_editor.execute(sql)


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for sql in DOWN:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("policies", "0002_search_index")]
    operations = [migrations.RunPython(forwards, backwards)]
