"""The full-text part of the index, per database:

- PostgreSQL: the extensions pg_trgm (trigram index on the vocabulary), unaccent and
  fuzzystrmatch; a ``perno_unaccent`` text search configuration (simple + unaccent);
  ``tsv``/``tsv_all`` columns on ``search_entry`` with GIN indexes.
- SQLite: the FTS5 table ``search_fts`` (unicode61 tokenizer with remove_diacritics 2,
  characters of e-mail addresses and codes kept inside tokens, prefix indexes for 2 to
  5 characters) and ``search_fts_vocab`` (fts5vocab) over it.
"""

from django.db import migrations

POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS fuzzystrmatch",
    """DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'perno_unaccent') THEN
            CREATE TEXT SEARCH CONFIGURATION perno_unaccent (COPY = simple);
            ALTER TEXT SEARCH CONFIGURATION perno_unaccent
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
        END IF;
    END $$""",
    "ALTER TABLE search_entry ADD COLUMN tsv tsvector NOT NULL DEFAULT ''::tsvector",
    "ALTER TABLE search_entry ADD COLUMN tsv_all tsvector",
    "CREATE INDEX search_entry_tsv_idx ON search_entry USING gin (tsv)",
    "CREATE INDEX search_entry_tsv_all_idx ON search_entry USING gin (tsv_all) WHERE tsv_all IS NOT NULL",
    "CREATE INDEX search_word_trgm_idx ON search_word USING gin (word gin_trgm_ops)",
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS search_word_trgm_idx",
    "ALTER TABLE search_entry DROP COLUMN IF EXISTS tsv_all",
    "ALTER TABLE search_entry DROP COLUMN IF EXISTS tsv",
]
SQLITE = [
    """CREATE VIRTUAL TABLE search_fts USING fts5(
        title, ident, body, secret,
        tokenize="unicode61 remove_diacritics 2 tokenchars '.@+-_'",
        prefix='2 3 4 5'
    )""",
    "CREATE VIRTUAL TABLE search_fts_vocab USING fts5vocab(search_fts, 'row')",
]
SQLITE_REVERSE = ["DROP TABLE IF EXISTS search_fts_vocab", "DROP TABLE IF EXISTS search_fts"]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for statement in statements:
        schema_editor.execute(statement)
    apps.get_model("search", "SearchState").objects.get_or_create(key="vocabulary")


def backwards(apps, schema_editor):
    statements = (
        POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    )
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
