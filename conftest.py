"""Shared fixtures. Real PostgreSQL, Redis, SMTP and Chromium; under CI=true nothing
may be skipped, on a laptop without them the tests skip with the reason."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from typing import Any

import pytest

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
os.environ.setdefault(
    "DJANGO_ALLOW_ASYNC_UNSAFE", "true"
)  # Playwright's sync API runs an event loop


def require(condition: bool, reason: str) -> None:
    """Skip (on a laptop) or fail (in CI) when a real component is missing."""
    if condition:
        return
    if CI:
        pytest.fail(f"{reason} (CI=true: nothing may be skipped)")
    pytest.skip(reason)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


# What the migrations wrote (default roles and rights, the starting privacy register,
# content types), per database alias, serialized once the test databases exist.
_MIGRATED: dict[str, str] = {}
# Records made by the tests get ids from here on: an id formatted as a number
# ("10,001") breaks element ids, hidden inputs and links, so every test would see it.
FIRST_ID = 10_001


def _flush_lifts_audit_triggers() -> None:
    """Between transactional tests Django empties every table; the audit trail's
    append-only triggers would refuse that. The flush (and only the flush) drops them
    and puts them back in the same transaction. It then puts back what the migrations
    wrote, so a test that runs after a transactional one finds the database as migrated
    (whatever order the workers run the tests in).

    Only the tables that hold rows are emptied (a test writes a few dozen of the two
    hundred; emptying all of them took half a second on PostgreSQL), by DELETE, as the
    foreign keys are checked at commit; and what the migrations wrote goes back in one
    INSERT per table instead of one per row. A flush that resets the sequences (the
    ``reset_sequences`` tests) is left as Django built it."""
    from django.db import transaction
    from django.db.backends.base.operations import BaseDatabaseOperations

    from perno.audit.append_only import create_statements, drop_statements

    def execute_sql_flush(self: Any, sql_list: list[str]) -> None:
        connection = self.connection
        vendor = connection.vendor
        resets = any("RESTART IDENTITY" in sql or "sqlite_sequence" in sql for sql in sql_list)
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            if not resets:
                quote = connection.ops.quote_name
                sql_list = [f"DELETE FROM {quote(t)}" for t in _holding_rows(connection)]
            for sql in [*drop_statements(vendor), *sql_list, *create_statements(vendor)]:
                cursor.execute(sql)
            if connection.alias in _MIGRATED:
                _restore_migrated(connection)
                if resets:  # otherwise the sequences are past FIRST_ID already
                    ids_above(connection, FIRST_ID - 1)

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign,assignment]


def _holding_rows(connection: Any) -> list[str]:
    """The tables (of Django's models) that hold at least one row, in one statement."""
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    quote = connection.ops.quote_name
    probes = " UNION ALL ".join(
        f"SELECT {n} FROM (SELECT 1 AS one FROM {quote(t)} LIMIT 1) AS p{n}"
        for n, t in enumerate(tables)
    )
    with connection.cursor() as cursor:
        cursor.execute(probes)
        return [tables[n] for (n,) in cursor.fetchall()]


_RESTORE: dict[str, list[tuple[Any, list[Any]]]] = {}


def _restore_migrated(connection: Any) -> None:
    """Put back what the migrations wrote: per model, one bulk INSERT of the rows
    (deserialized once per session) and of their many-to-many links."""
    from django.core import serializers

    alias = connection.alias
    if alias not in _RESTORE:
        rows: dict[Any, list[Any]] = {}
        for item in serializers.deserialize("json", _MIGRATED[alias], using=alias):
            model = type(item.object)
            rows.setdefault(model, []).append(item.object)
            for name, values in (item.m2m_data or {}).items():
                field = model._meta.get_field(name)
                through = field.remote_field.through  # type: ignore[union-attr]
                own = through._meta.get_field(field.m2m_field_name()).attname  # type: ignore[union-attr]
                other = through._meta.get_field(field.m2m_reverse_field_name()).attname  # type: ignore[union-attr]
                rows.setdefault(through, []).extend(
                    through(**{own: item.object.pk, other: value}) for value in values
                )
        _RESTORE[alias] = list(rows.items())
    for model, objects in _RESTORE[alias]:
        model._base_manager.using(alias).bulk_create(objects)


def ids_above(connection: Any, last: int) -> None:
    """Make every table with an automatic id hand out ids above ``last`` (tables already
    past it are left alone)."""
    from django.apps import apps

    from perno.records.bulk import reset_sequence

    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            pk = model._meta.pk
            if pk is None or pk.get_internal_type() not in (
                "AutoField",
                "BigAutoField",
                "SmallAutoField",
            ):
                continue
            table = model._meta.db_table
            if connection.vendor == "postgresql":
                reset_sequence(model, at_least=last)
            elif connection.vendor == "sqlite":
                cursor.execute(
                    "UPDATE sqlite_sequence SET seq = %s WHERE name = %s AND seq < %s",
                    [last, table, last],
                )
                cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) SELECT %s, %s"
                    " WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = %s)",
                    [table, last, table],
                )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """pytest-django's test databases, plus a copy of what their migrations wrote (see
    ``_flush_lifts_audit_triggers``)."""
    from django.db import connections

    with django_db_blocker.unblock():
        for alias in connections:
            _MIGRATED[alias] = connections[alias].creation.serialize_db_to_string()
            ids_above(connections[alias], FIRST_ID - 1)
    yield
    # A connection a test's thread left open (a live server's, a poller's) would keep
    # PostgreSQL from dropping the test database, which then stays on the server.
    with django_db_blocker.unblock():
        for alias in connections:
            if connections[alias].vendor == "postgresql":
                with connections[alias].cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )


def _live_server_sends_at_once() -> None:
    """The live server (Django's WSGI server, used by the browser tests and the scans)
    writes a response's headers and body separately; with Nagle's algorithm on, the
    body then waits for the client's delayed acknowledgement, about 40 ms a request on
    a kept-alive connection. TCP_NODELAY sends it at once."""
    from django.core.servers.basehttp import WSGIRequestHandler

    WSGIRequestHandler.disable_nagle_algorithm = True


def pytest_configure(config: pytest.Config) -> None:
    _remove_stale_sqlite_test_database(config)
    _flush_lifts_audit_triggers()
    _live_server_sends_at_once()
    if os.environ.get("PERNO_TEST_DB") == "postgres" and not port_open("127.0.0.1", 5432):
        message = "PostgreSQL is not reachable at 127.0.0.1:5432; the PostgreSQL run is skipped."
        if CI:
            raise pytest.UsageError(message + " CI=true requires it.")
        pytest.exit(message, returncode=0)


def _remove_stale_sqlite_test_database(config: pytest.Config) -> None:
    """Django deletes an old SQLite test database file but not its -wal/-shm companions;
    a stale write-ahead log would then be replayed into the new database."""
    if os.environ.get("PERNO_TEST_DB", "sqlite") != "sqlite":
        return
    from django.conf import settings

    name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if not name:
        return
    worker = getattr(config, "workerinput", {}).get("workerid")
    base = f"{name}_{worker}" if worker else name
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(base + suffix)


# The longest tests first: the workers share out the short ones at the end instead of
# one worker finishing a four-minute scan alone.
SLOW_FIRST = (
    "tests/test_security_scans.py",
    "tests/test_permission_matrix.py",
    "tests/test_search_leaks.py",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="run only the tests that use the database (make test's second engine: the "
        "others do the same on every engine and ran in the first)",
    )


# Fixtures that give a test the database: a test with none of them (and no django_db
# mark) cannot touch it, so it does the same whatever the engine.
DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "live_server", "django_db_reset_sequences"}
)


def uses_database(item: pytest.Item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    return item.get_closest_marker("django_db") is not None or bool(names & DATABASE_FIXTURES)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        for position, prefix in enumerate(SLOW_FIRST):
            if item.nodeid.startswith(prefix):
                return position
        return len(SLOW_FIRST)

    if config.getoption("--database-tests-only"):
        elsewhere = [item for item in items if not uses_database(item)]
        if elsewhere:
            config.hook.pytest_deselected(items=elsewhere)
            items[:] = [item for item in items if uses_database(item)]
    items.sort(key=rank)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not CI or hasattr(session.config, "workerinput"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter:
            reporter.write_line(
                f"CI=true: {skipped} test(s) were skipped; nothing may be skipped in CI.", red=True
            )


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PERNO_EXPORT_DIR = tmp_path / "exports"
    settings.PERNO_ERASURE_LEDGER = tmp_path / "erasure-ledger.jsonl"


@pytest.fixture(autouse=True)
def _english() -> Any:
    """A request in Italian leaves its language active in the thread; start each test in English."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _sealed_marks() -> Any:
    """Fields marked sensitive are cached; a test's marks go with its database rows."""
    from perno.core import sealing

    sealing.forget_marks()
    yield
    sealing.forget_marks()


@pytest.fixture
def roles(db: Any) -> None:
    from perno.accounts.services import roles_ensure_defaults

    roles_ensure_defaults()


@pytest.fixture
def make_user(db: Any, roles: None) -> Any:
    from perno.accounts.services import user_create

    counter = {"n": 0}

    def make(
        username: str | None = None, role: str = "sales", team: str | None = None, **extra: Any
    ) -> Any:
        counter["n"] += 1
        return user_create(
            username=username or f"user{counter['n']}",
            password="correct-horse-battery-9",
            roles=[role],
            team=team,
            email=extra.pop("email", f"user{counter['n']}@example.com"),
            first_name=extra.pop("first_name", "Test"),
            last_name=extra.pop("last_name", f"User{counter['n']}"),
        )

    return make


@pytest.fixture
def user(make_user: Any) -> Any:
    return make_user("giulia", team="Vendite Nord", first_name="Giulia", last_name="Romano")


@pytest.fixture
def admin_user(make_user: Any) -> Any:  # overrides pytest-django's fixture
    return make_user("admin", role="administrator")


@pytest.fixture
def pipeline(db: Any, admin_user: Any) -> Any:
    from perno.sales.services import pipeline_create

    return pipeline_create(
        actor=admin_user,
        name="Vendite",
        is_default=True,
        stages=[
            ("Nuovo", 10, "open"),
            ("Offerta", 50, "open"),
            ("Vinto", 100, "won"),
            ("Perso", 0, "lost"),
        ],
    )


@pytest.fixture
def login_verified(db: Any) -> Any:
    """Log a client in with a confirmed authenticator, as after the second factor (roles
    such as administrator require two factors)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def login(client: Any, user: Any) -> Any:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        device = device or TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return device

    return login


@pytest.fixture
def client_user(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


@pytest.fixture
def api_token(user: Any) -> str:
    from perno.accounts.services import token_create

    return token_create(user=user, name="tests", scope="write")[1]


@pytest.fixture
def api(client: Any, api_token: str) -> Any:
    """A Django test client that sends the bearer token."""

    class Api:
        headers = {"Authorization": f"Bearer {api_token}"}

        def get(self, path: str, **kw: Any) -> Any:
            return client.get(path, headers=self.headers, **kw)

        def post(self, path: str, data: Any = None, **kw: Any) -> Any:
            if "content_type" not in kw and not kw.pop("multipart", False):
                kw["content_type"] = "application/json"
            return client.post(path, data, headers=self.headers, **kw)

        def patch(self, path: str, data: Any = None, **kw: Any) -> Any:
            return client.patch(
                path,
                data,
                content_type="application/json",
                headers={**self.headers, **kw.pop("headers", {})},
                **kw,
            )

        def delete(self, path: str, **kw: Any) -> Any:
            return client.delete(path, headers=self.headers, **kw)

    return Api()


@pytest.fixture
def smtp_inbox(settings: Any) -> Any:
    """A real SMTP server (aiosmtpd) on a free local port; Perno's mailer points at it."""
    import socket

    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self) -> None:
            self.messages: list[Any] = []

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            self.messages.append(envelope)
            return "250 OK"

        def wait(self, count: int = 1) -> list[Any]:
            import time

            for _ in range(100):
                if len(self.messages) >= count:
                    break
                time.sleep(0.05)
            return self.messages

    inbox = Inbox()
    # aiosmtpd logs every connection on its own thread, also after the test that opened
    # it has ended and pytest has closed the stream it captured: only its warnings.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    settings.PERNO_EMAIL_ENABLED = True
    yield inbox
    controller.stop()


@pytest.fixture(autouse=True)
def _fresh_search_vocabulary() -> Any:
    """Each test's database rolls back, words included: drop the in-memory copies (the
    vocabulary, the PostgreSQL backend's notes on how much each user sees)."""
    from perno.search import backends, vocabulary

    vocabulary.forget()
    backends.forget()
    yield
