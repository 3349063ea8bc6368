"""PostgreSQL: ``search_start`` also holds the four- and five-letter starts of the title
words. With three letters at most, a longer start was walked under its first three
("consu" under "con"), where the newest 5,000 entries of a common start ("consegna")
could hold too few matches, and the older ones came from GIN (30-70 ms at 1,000,000
entries for a user who sees everything). The key of a word start is now its own
letters up to five, so a walk's entries nearly all match."""

from django.db import migrations

STARTS = (
    "CREATE OR REPLACE FUNCTION search_starts(head tsvector) RETURNS text[] LANGUAGE sql "
    "IMMUTABLE PARALLEL SAFE AS $$ SELECT coalesce(array_agg(DISTINCT k), '{}') "
    "FROM unnest(head) u, LATERAL (SELECT left(u.lexeme, n) FROM generate_series(2, {longest}) n "
    "WHERE length(u.lexeme) >= n UNION ALL SELECT '=' || u.lexeme "
    "WHERE length(u.lexeme) BETWEEN 2 AND 3) s(k) WHERE 'A' = ANY(u.weights) $$"
)
REFILL = (
    "TRUNCATE search_start",
    "INSERT INTO search_start (start, entry_id) "
    "SELECT k, e.id FROM search_entry e, unnest(search_starts(e.tsv_head)) k",
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in (STARTS.replace("{longest}", "5"), *REFILL):
            schema_editor.execute(statement, None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in (STARTS.replace("{longest}", "3"), *REFILL):
            schema_editor.execute(statement, None)


class Migration(migrations.Migration):
    dependencies = [("search", "0006_title_starts")]

    operations = [migrations.RunPython(forwards, backwards)]
