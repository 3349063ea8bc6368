"""Test settings: PERNO_TEST_DB picks the engine (sqlite or postgres)."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import database_from_url

DEBUG = False
SECRET_KEY = "test-only-key-" + "x" * 40
# A test-only encryption key (32 bytes of base64): tests that need another ring set one.
PERNO_ENCRYPTION_KEYS = "test1:" + "dGVzdC1vbmx5LWVuY3J5cHRpb24ta2V5LTMyLWJ5dGU="
# Marks are re-read at each test's start (conftest) and after each change, not on a
# clock, so query counts do not depend on how long a test takes.
PERNO_SEALED_REFRESH_SECONDS = 3600.0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PERNO_LOCK_ORDER_CHECK = True
TEST_ENGINE = os.environ.get("PERNO_TEST_DB", "sqlite")
_TMP = Path(os.environ.get("PERNO_TEST_DIR", tempfile.gettempdir())) / "perno-tests"
_TMP.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = _TMP / "media"
STATIC_ROOT = _TMP / "static"
STATIC_ROOT.mkdir(exist_ok=True)
if TEST_ENGINE == "postgres":
    DATABASES = {
        "default": database_from_url(
            os.environ.get("PERNO_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
        )
    }
    # CONN_MAX_AGE stays at production's 60 s (database_from_url): the live server
    # (browser tests, scans) opens one connection per kept-alive HTTP connection instead
    # of one per request, about 15 % of the scans' time.

    # Test data is thrown away: commits need not wait for the disk.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"
else:
    DATABASES = {"default": database_from_url(f"sqlite:///{_TMP / 'perno.sqlite3'}")}
    # A file (not :memory:) so a real Celery worker in another process sees the data.
    DATABASES["default"]["TEST"] = {"NAME": str(_TMP / "test-perno.sqlite3")}
    # Test data is thrown away: commits need not wait for the disk.
    DATABASES["default"]["OPTIONS"]["init_command"] = DATABASES["default"]["OPTIONS"][
        "init_command"
    ].replace("PRAGMA synchronous=NORMAL;", "PRAGMA synchronous=OFF;")
PERNO_TEST_REDIS_URL = os.environ.get("PERNO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
