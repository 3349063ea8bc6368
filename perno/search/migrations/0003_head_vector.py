"""PostgreSQL: ``search_entry.tsv_head``, the title (weight A) and identifier (weight B)
words alone, with positions, and its own GIN index. Weights live on positions, and the
vectors of 0002 had none, so a weight in a query matched every word: title and body
could not be told apart. The entries that exist are rebuilt (document chunks keep
theirs until ``perno search extract``). Nothing changes on SQLite (FTS5 filters by
column)."""

from django.db import migrations

POSTGRES = [
    "ALTER TABLE search_entry ADD COLUMN tsv_head tsvector NOT NULL DEFAULT ''::tsvector",
    "CREATE INDEX search_entry_tsv_head_idx ON search_entry USING gin (tsv_head)",
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS search_entry_tsv_head_idx",
    "ALTER TABLE search_entry DROP COLUMN IF EXISTS tsv_head",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in POSTGRES:
        schema_editor.execute(statement)
    if apps.get_model("search", "SearchEntry").objects.exists():
        from perno.search.indexer import rebuild

        rebuild()


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("search", "0002_full_text")]

    operations = [migrations.RunPython(forwards, backwards)]
