"""Fast inserts for generated data: COPY on PostgreSQL, executemany on SQLite.
The seed generator and the import engine use this (inside their services' transactions)."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, models
from psycopg.types.json import Jsonb


def next_id(model: type[models.Model]) -> int:
    last = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
    return int(last or 0) + 1


def _sqlite_datetime(value: datetime.datetime) -> str:
    # What Django stores for an aware datetime on SQLite: naive UTC, space separated.
    return str(value.astimezone(datetime.UTC).replace(tzinfo=None))


def _converters(vendor: str) -> dict[type, Callable[[Any], Any]]:
    converters: dict[type, Callable[[Any], Any]] = {dict: json.dumps, list: json.dumps}
    if vendor == "sqlite":
        converters.update(
            {
                datetime.datetime: _sqlite_datetime,
                datetime.date: datetime.date.isoformat,
                Decimal: str,
            }
        )
    return converters


def _adapted(rows: Iterable[Sequence[Any]], vendor: str) -> Iterator[list[Any]]:
    converters = _converters(vendor)
    get = converters.get
    for row in rows:
        yield [v if (conv := get(type(v))) is None else conv(v) for v in row]


_EMPTY_JSON = Jsonb({})


def _jsonb(value: Any) -> Jsonb:
    if value == "{}" or value == {}:
        return _EMPTY_JSON
    return Jsonb(json.loads(value) if isinstance(value, str) else value)


def _pg_type(model: type[models.Model], column: str) -> str:
    field = next(f for f in model._meta.concrete_fields if f.column == column)
    db_type = (field.db_type(connection) or "text").split("(")[0].strip().lower()
    return {"timestamp with time zone": "timestamptz", "double precision": "float8"}.get(
        db_type, db_type
    )


def insert(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    plain: bool = False,
) -> int:
    """Insert rows. ``plain`` promises no dict/list values (JSON already as text), which
    lets PostgreSQL's COPY take the rows as they are."""
    table = model._meta.db_table
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor
            # Binary COPY: less parsing for PostgreSQL, which is the bottleneck of a large seed.
            types = [_pg_type(model, column) for column in columns]
            json_columns = [i for i, kind in enumerate(types) if kind in ("json", "jsonb")]
            sql = f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN (FORMAT BINARY)"
            with raw.copy(sql) as copy:
                copy.set_types(types)
                for row in rows if plain else _adapted(rows, "postgresql"):
                    values: Any = row
                    for i in json_columns:
                        values[i] = _jsonb(values[i])
                    copy.write_row(values)
                    count += 1
        return count
    placeholders = ", ".join(["%s"] * len(columns))
    # Table and columns come from model metadata and are quoted by the backend; every
    # value is a parameter.
    sql = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({placeholders})"  # noqa: S608  # nosec B608
    batch: list[list[Any]] = []
    with connection.cursor() as cursor:
        for row in _adapted(rows, "sqlite"):
            batch.append(row)
            if len(batch) >= 5000:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def reset_sequence(model: type[models.Model], *, at_least: int = 0) -> None:
    """After rows were inserted with their ids: the table's sequence continues after the
    highest id (and ``at_least``) and never moves back (an id once handed out is not
    handed out again)."""
    if connection.vendor != "postgresql":
        return
    pk = model._meta.pk
    assert pk is not None
    table, column = model._meta.db_table, pk.column or pk.attname
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [quote(table), column])
        sequence = cursor.fetchone()[0]
        if sequence:
            # Names only: the model's quoted table and column, the sequence's name as
            # PostgreSQL gave it (already quoted as needed); the value is a parameter.
            sql = f"SELECT setval(%s, GREATEST((SELECT COALESCE(MAX({quote(column)}), 0) FROM {quote(table)}), (SELECT last_value FROM {sequence}), %s))"  # noqa: S608  # nosec B608
            cursor.execute(sql, [sequence, at_least])


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` new ids for rows inserted with their ids while others keep writing: from
    the table's sequence on PostgreSQL (never handed out twice); on SQLite, after the
    highest id (its single writer holds the database for the whole transaction)."""
    if count <= 0:
        return []
    if connection.vendor != "postgresql":
        start = next_id(model)
        with connection.cursor() as cursor:  # AUTOINCREMENT: never below an id handed out
            cursor.execute(
                "SELECT seq FROM sqlite_sequence WHERE name = %s", [model._meta.db_table]
            )
            row = cursor.fetchone()
        start = max(start, int(row[0] if row else 0) + 1)
        return list(range(start, start + count))
    pk = model._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [connection.ops.quote_name(model._meta.db_table), pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]
