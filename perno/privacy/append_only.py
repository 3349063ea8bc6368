"""The consent history is append-only: a trigger refuses UPDATE of a consent step, for
every database user. Steps are removed only with their contact (erasure, retention)."""

from __future__ import annotations

TABLE = "privacy_consentevent"
MESSAGE = "the consent history is append-only: record a new step instead"

_POSTGRES_CREATE = [
    f"""CREATE OR REPLACE FUNCTION consent_event_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = '{MESSAGE}', ERRCODE = 'insufficient_privilege';
END $$""",
    f"""CREATE TRIGGER consent_event_append_only BEFORE UPDATE ON {TABLE}
FOR EACH ROW EXECUTE FUNCTION consent_event_refuse()""",
]
_POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS consent_event_append_only ON {TABLE}",
    "DROP FUNCTION IF EXISTS consent_event_refuse()",
]
_SQLITE_CREATE = [
    f"""CREATE TRIGGER consent_event_no_update BEFORE UPDATE ON {TABLE}
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
_SQLITE_DROP = ["DROP TRIGGER IF EXISTS consent_event_no_update"]


def create_statements(vendor: str) -> list[str]:
    return _POSTGRES_CREATE if vendor == "postgresql" else _SQLITE_CREATE


def drop_statements(vendor: str) -> list[str]:
    return _POSTGRES_DROP if vendor == "postgresql" else _SQLITE_DROP
