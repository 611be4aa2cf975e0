"""Database guards of the ledger, beyond Django's constraints.

PostgreSQL: postings and transactions cannot be updated or deleted (append-only; TRUNCATE,
used by test flushes, is a different statement), and a deferred constraint trigger refuses
to commit a transaction whose postings do not sum to zero.
SQLite: postings and transactions cannot be updated (deletes stay possible for test flushes;
the reconciliation command catches anything else).
"""

from typing import Any

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION funds_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'funds ledger is append-only (% on %)', TG_OP, TG_TABLE_NAME;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER funds_posting_append_only BEFORE UPDATE OR DELETE ON funds_posting
  FOR EACH ROW EXECUTE FUNCTION funds_refuse_change();
CREATE TRIGGER funds_txn_append_only BEFORE UPDATE OR DELETE ON funds_ledgertransaction
  FOR EACH ROW EXECUTE FUNCTION funds_refuse_change();

CREATE OR REPLACE FUNCTION funds_check_balanced() RETURNS trigger AS $$
DECLARE total numeric;
BEGIN
  SELECT COALESCE(SUM(amount), 0) INTO total FROM funds_posting
    WHERE transaction_id = NEW.transaction_id;
  IF total <> 0 THEN
    RAISE EXCEPTION 'funds transaction % postings sum to %', NEW.transaction_id, total;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER funds_posting_balanced AFTER INSERT ON funds_posting
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION funds_check_balanced();
"""

POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS funds_posting_balanced ON funds_posting;
DROP TRIGGER IF EXISTS funds_posting_append_only ON funds_posting;
DROP TRIGGER IF EXISTS funds_txn_append_only ON funds_ledgertransaction;
DROP FUNCTION IF EXISTS funds_check_balanced();
DROP FUNCTION IF EXISTS funds_refuse_change();
"""

SQLITE_UP = [
    """CREATE TRIGGER funds_posting_no_update BEFORE UPDATE ON funds_posting
       BEGIN SELECT RAISE(ABORT, 'funds ledger is append-only'); END""",
    """CREATE TRIGGER funds_txn_no_update BEFORE UPDATE ON funds_ledgertransaction
       BEGIN SELECT RAISE(ABORT, 'funds ledger is append-only'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS funds_posting_no_update",
    "DROP TRIGGER IF EXISTS funds_txn_no_update",
]


def install(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)


def remove(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("funds", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
