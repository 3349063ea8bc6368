"""The database refuses to change or remove audit entries: triggers on
``audit_auditevent`` raise on UPDATE, DELETE and TRUNCATE, for every database user,
the application's included. The migration installs them; test teardown (which empties
every table) lifts them for that moment only."""

from __future__ import annotations

TABLE = "audit_auditevent"
MESSAGE = "the audit trail is append-only: entries cannot be changed or removed"

_POSTGRES_CREATE = [
    f"""CREATE OR REPLACE FUNCTION audit_event_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = '{MESSAGE} (' || TG_OP || ' refused)',
        ERRCODE = 'insufficient_privilege';
END $$""",
    f"""CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON {TABLE}
FOR EACH ROW EXECUTE FUNCTION audit_event_refuse()""",
    f"""CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON {TABLE}
FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse()""",
]
_POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS audit_event_append_only ON {TABLE}",
    f"DROP TRIGGER IF EXISTS audit_event_no_truncate ON {TABLE}",
]
_SQLITE_CREATE = [
    f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON {TABLE}
BEGIN SELECT RAISE(ABORT, '{MESSAGE} (UPDATE refused)'); END""",
    f"""CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON {TABLE}
BEGIN SELECT RAISE(ABORT, '{MESSAGE} (DELETE refused)'); END""",
]
_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
]


def create_statements(vendor: str) -> list[str]:
    return _POSTGRES_CREATE if vendor == "postgresql" else _SQLITE_CREATE


def drop_statements(vendor: str) -> list[str]:
    return _POSTGRES_DROP if vendor == "postgresql" else _SQLITE_DROP
