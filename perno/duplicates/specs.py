"""What contacts and companies are compared on, and how their rows reach DuckDB.

Rows are read with one SQL statement per kind (the first address, the first company
link), fetched in batches through the database cursor and appended to a DuckDB table;
the values are normalised there, in SQL (lower case, no accents or punctuation, legal
forms dropped from company names, the website's domain), never row by row in Python."""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pandas as pd
from django.db import connection

from perno.contacts.models import Address, Affiliation, Company, Contact
from perno.duplicates import engine
from perno.duplicates.models import Kind

BATCH = 100_000

# Name without accents, case, punctuation or repeated spaces; NULL when empty.
MACROS = r"""
CREATE OR REPLACE MACRO perno_norm(s) AS nullif(trim(regexp_replace(
    regexp_replace(lower(strip_accents(coalesce(s, ''))), '[^a-z0-9@.+]+', ' ', 'g'),
    '\s+', ' ', 'g')), '');
CREATE OR REPLACE MACRO perno_code(s) AS nullif(upper(regexp_replace(coalesce(s, ''),
    '[^A-Za-z0-9]', '', 'g')), '');
CREATE OR REPLACE MACRO perno_sx(s) AS CASE WHEN s IS NULL THEN NULL ELSE
    substr(s, 1, 1) || substr(
      regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
      regexp_replace(translate(substr(s, 2), 'bfpvcgjkqsxzdtlmnraeiouyhw ',
      '111122222222334556'), '1+', '1', 'g'), '2+', '2', 'g'), '3+', '3', 'g'),
      '4+', '4', 'g'), '5+', '5', 'g'), '6+', '6', 'g'), 1, 3) END;
CREATE OR REPLACE MACRO perno_legal(s) AS regexp_replace(s, ' (srl|srls|spa|sas|snc|sapa|scarl|sc|sa|ltd|limited|llc|inc|gmbh|ag|bv|nv|plc|co|company|group) ', ' ', 'g');
CREATE OR REPLACE MACRO perno_firm(s) AS nullif(trim(perno_legal(perno_legal(
    ' ' || coalesce(perno_norm(replace(s, '.', '')), '') || ' '))), '');
"""

CONTACT_SQL = """
SELECT c.id, c.first_name, c.last_name, c.email, c.phone, c.mobile,
       a.city, a.postal_code, a.street, co.name
FROM {contact} c
LEFT JOIN (SELECT contact_id, MIN(id) AS id FROM {address}
           WHERE contact_id IS NOT NULL GROUP BY contact_id) fa ON fa.contact_id = c.id
LEFT JOIN {address} a ON a.id = fa.id
LEFT JOIN (SELECT contact_id, MIN(company_id) AS company_id FROM {affiliation}
           GROUP BY contact_id) af ON af.contact_id = c.id
LEFT JOIN {company} co ON co.id = af.company_id
"""
CONTACT_COLUMNS = [
    "id", "first_name", "last_name", "email", "phone", "mobile", "city", "postcode", "street", "company",
]  # fmt: skip
CONTACT_NORMAL = """
CREATE TABLE {table} AS
SELECT id, perno_norm(first_name) AS first_name, perno_norm(last_name) AS last_name,
       perno_norm(coalesce(first_name, '') || ' ' || coalesce(last_name, '')) AS full_name,
       nullif(lower(trim(email)), '') AS email,
       nullif(trim(phone), '') AS phone, nullif(trim(mobile), '') AS mobile,
       list_distinct([nullif(trim(phone), ''), nullif(trim(mobile), '')])
           AS phones,
       perno_norm(city) AS city, perno_code(postcode) AS postcode, perno_norm(street) AS street,
       perno_firm(company) AS company,
       substr(perno_norm(last_name), 1, 3) AS last3,
       perno_sx(replace(perno_norm(last_name), ' ', '')) AS last_sx,
       perno_sx(replace(perno_norm(first_name), ' ', '')) AS first_sx
FROM {raw}
"""

COMPANY_SQL = """
SELECT c.id, c.name, c.vat_number, c.email, c.phone, c.website, a.city, a.postal_code
FROM {company} c
LEFT JOIN (SELECT company_id, MIN(id) AS id FROM {address}
           WHERE company_id IS NOT NULL GROUP BY company_id) fa ON fa.company_id = c.id
LEFT JOIN {address} a ON a.id = fa.id
"""
COMPANY_COLUMNS = ["id", "name", "vat", "email", "phone", "website", "city", "postcode"]
COMPANY_NORMAL = r"""
CREATE TABLE {table} AS
SELECT id, perno_firm(name) AS name, perno_code(vat) AS vat,
       nullif(lower(trim(email)), '') AS email, nullif(trim(phone), '') AS phone,
       nullif(regexp_extract(lower(trim(website)), '^(?:[a-z]+://)?(?:www\.)?([^/:?#]+)', 1), '')
           AS domain,
       perno_norm(city) AS city, perno_code(postcode) AS postcode,
       substr(perno_firm(name), 1, 4) AS name4,
       perno_sx(replace(perno_firm(name), ' ', '')) AS name_sx
FROM {raw}
"""

CONTACT_SPEC = engine.Spec(
    comparisons=(
        engine.person_name("name", "first_name", "last_name", "full_name"),
        engine.email("email", "email"),
        engine.phones("phone", "phones", "phone", "phone_near"),
        engine.place("place", "city", "postcode"),
        engine.similar_text("street", "street", "street", "street_similar"),
        engine.similar_text("company", "company", "company", "company_similar"),
    ),
    blocking=(
        ("email",),
        ("phone",),
        ("mobile",),
        ("first_name", "last_name"),
        ("first_sx", "last_sx"),
        ("last3", "postcode"),
        ("last_name", "city"),
        ("last_name", "company"),
        "l.first_name = r.last_name AND l.last_name = r.first_name",
    ),
)

COMPANY_SPEC = engine.Spec(
    comparisons=(
        engine.similar_text("name", "name", "name", "name_similar", jw=0.92),
        engine.exact_text("vat", "vat", "vat", tf=False, exact_id=True),
        engine.email("email", "email"),
        engine.identifier("phone", "phone", "phone", "phone_near", exact_id=True),
        engine.exact_text("domain", "domain", "domain"),
        engine.place("place", "city", "postcode"),
    ),
    blocking=(
        ("vat",),
        ("email",),
        ("phone",),
        ("domain",),
        ("name",),
        ("name4", "city"),
        ("name_sx", "postcode"),
    ),
)


def spec(kind: str) -> engine.Spec:
    return CONTACT_SPEC if kind == Kind.CONTACT else COMPANY_SPEC


def load(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    table: str,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Copy the records of ``kind`` into DuckDB table ``table``, normalised; returns
    how many."""
    names = {
        "contact": Contact._meta.db_table,
        "company": Company._meta.db_table,
        "address": Address._meta.db_table,
        "affiliation": Affiliation._meta.db_table,
    }
    if kind == Kind.CONTACT:
        sql, columns, normal = CONTACT_SQL, CONTACT_COLUMNS, CONTACT_NORMAL
    else:
        sql, columns, normal = COMPANY_SQL, COMPANY_COLUMNS, COMPANY_NORMAL
    con.execute(MACROS).fetchall()
    raw = f"{table}_raw"
    schema = ", ".join(f"{c} {'BIGINT' if c == 'id' else 'VARCHAR'}" for c in columns)
    con.execute(f"CREATE TABLE {raw} ({schema})").fetchall()
    count = 0
    with connection.cursor() as cursor:
        cursor.execute(sql.format(**{k: connection.ops.quote_name(v) for k, v in names.items()}))
        while rows := cursor.fetchmany(BATCH):
            batch = pd.DataFrame.from_records(rows, columns=columns)  # noqa: F841 (read by DuckDB)
            # ``raw`` is this module's own DuckDB table name.
            con.execute(f"INSERT INTO {raw} SELECT * FROM batch").fetchall()  # noqa: S608  # nosec B608
            count += len(rows)
            if progress:
                progress(count)
    con.execute(normal.format(table=table, raw=raw)).fetchall()
    con.execute(f"DROP TABLE {raw}").fetchall()
    return count
