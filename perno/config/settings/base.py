"""Settings shared by every mode. Everything an operator sets comes from PERNO_* variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent  # the perno package
DATA_DIR = Path(os.environ.get("PERNO_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("PERNO_DEBUG")
SECRET_KEY = os.environ.get("PERNO_SECRET_KEY", "")
ALLOWED_HOSTS = env_list("PERNO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("PERNO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "perno.records",
    "perno.accounts",
    "perno.audit",
    "perno.contacts",
    "perno.sales",
    "perno.activities",
    "perno.search",
    "perno.privacy",
    "perno.analytics",
    "perno.marketing",
    "perno.knowledge",
    "perno.sla",
    "perno.cases",
    "perno.mail",
    "perno.health",
    "perno.imports",
    "perno.duplicates",
    "perno.merging",
    "perno.api",
    "perno.web",
]

MIDDLEWARE = [
    "perno.core.access_log.AccessLogMiddleware",  # first: sees every answer, times it all
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "perno.core.middleware.RequestInputMiddleware",
    "perno.audit.middleware.AuditOriginMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "perno.accounts.middleware.NoStoreMiddleware",  # after the user is known
    "django_otp.middleware.OTPMiddleware",
    "perno.accounts.middleware.SecurityPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "perno.search.history.HistoryMiddleware",
    "perno.core.middleware.SealErrorMiddleware",
    "perno.core.integrity.ConflictMiddleware",
]

ROOT_URLCONF = "perno.config.urls"
WSGI_APPLICATION = "perno.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "perno.web.context_processors.navigation",
            ],
        },
    }
]


def database_from_url(url: str) -> dict[str, Any]:
    config: dict[str, Any] = dict(
        dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            # WAL lets readers work while one writer commits; IMMEDIATE avoids
            # "database is locked" upgrades from read to write inside a transaction.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON; "
                # Freed pages are zeroed: erased personal data does not linger in the file.
                "PRAGMA secure_delete=ON;"
            ),
            "transaction_mode": "IMMEDIATE",
        }
    else:
        # Plain client-side cursors: works behind PgBouncer and avoids DECLARE round trips.
        config["DISABLE_SERVER_SIDE_CURSORS"] = True
    return config


DATABASE_URL = os.environ.get("PERNO_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'perno.sqlite3'}"
DATABASES = {"default": database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "web:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Every place a password is set (change, reset, the administration pages, the API,
# `perno user create`, `createsuperuser`) runs these. Strength is zxcvbn's estimate with
# Italian and Romanian words and the user's own data, not a list.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "perno.accounts.validators.PasswordStrengthValidator"},
    {"NAME": "perno.accounts.validators.NoPersonalDataValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("it", _("Italiano")), ("ro", _("Română"))]
LOCALE_PATHS = [Path(os.environ.get("PERNO_LOCALE_DIR", BASE_DIR / "locale"))]
TIME_ZONE = os.environ.get("PERNO_TIME_ZONE", "Europe/Rome")
USE_I18N = True
USE_TZ = True
# One date format and one date-and-time format per language, used everywhere.
FORMAT_MODULE_PATH = ["perno.core.formats"]
# Off: a number rendered as is stays a plain number, so ids, versions and page numbers
# in element ids, hidden inputs and links never become "10,001". Figures shown to people
# are grouped explicitly: amounts by the money filter (Babel), counts and figures by
# floatformat's "g" flag or the "figure" filter, in the active language's conventions.
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Files served at the site's root (/favicon.ico), before any log-in or two-factor redirect.
WHITENOISE_ROOT = BASE_DIR / "web" / "root"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Inactivity timeout: every request renews the session, an idle one expires.
SESSION_COOKIE_AGE = int(os.environ.get("PERNO_SESSION_IDLE_MINUTES", "30")) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "perno.web.errors.csrf_failure"  # the styled 403 page
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# Log-in protection: a lockout after repeated failures for one account or from one
# address within the window; failed attempts are personal data and are purged.
PERNO_LOCKOUT_ACCOUNT_FAILURES = int(os.environ.get("PERNO_LOCKOUT_ACCOUNT_FAILURES", "5"))
PERNO_LOCKOUT_ADDRESS_FAILURES = int(os.environ.get("PERNO_LOCKOUT_ADDRESS_FAILURES", "20"))
PERNO_LOCKOUT_MINUTES = int(os.environ.get("PERNO_LOCKOUT_MINUTES", "15"))
# Reverse proxies in front of Perno that append to X-Forwarded-For (0: none, use the
# connection's address).
PERNO_TRUSTED_PROXIES = int(os.environ.get("PERNO_TRUSTED_PROXIES", "0"))
PERNO_LOGIN_ATTEMPT_DAYS = int(os.environ.get("PERNO_LOGIN_ATTEMPT_DAYS", "30"))
# Search history (what each user opened, for ranking) is kept this long after the last visit.
PERNO_SEARCH_HISTORY_DAYS = int(os.environ.get("PERNO_SEARCH_HISTORY_DAYS", "180"))
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PERNO_PASSWORD_RESET_MINUTES", "60")) * 60
OTP_TOTP_ISSUER = "Perno"
# API list reads of more rows than this count as an export (right, limits and log).
# The address people reach Perno at, for links in e-mails (opt-in, unsubscribe).
PERNO_PUBLIC_URL = os.environ.get("PERNO_PUBLIC_URL", "http://127.0.0.1:8000")
PERNO_OPTIN_HOURS = int(os.environ.get("PERNO_OPTIN_HOURS", "48"))
PERNO_PRIVACY_KEY = os.environ.get("PERNO_PRIVACY_KEY", "")
# Keys for the fields marked sensitive: "id:base64key,id:base64key", the current first
# (`perno keys generate`, `perno keys rotate`). Keep them out of the database and backups.
PERNO_ENCRYPTION_KEYS = os.environ.get("PERNO_ENCRYPTION_KEYS", "")
# Each process re-reads which fields are marked sensitive this often.
PERNO_SEALED_REFRESH_SECONDS = 2.0
# Access/portability archives wait here (never served by the web server) until
# downloaded once, or at most PERNO_EXPORT_HOURS.
PERNO_EXPORT_DIR = Path(os.environ.get("PERNO_EXPORT_DIR", DATA_DIR / "exports"))
PERNO_EXPORT_HOURS = int(os.environ.get("PERNO_EXPORT_HOURS", "72"))
# One line per erased person (ids and keyed hashes only), kept outside the database and
# its backups: `perno restore` replays it so that a restored person stays erased.
PERNO_ERASURE_LEDGER = Path(
    os.environ.get("PERNO_ERASURE_LEDGER", DATA_DIR / "erasure-ledger.jsonl")
)
PERNO_BULK_READ_ROWS = int(os.environ.get("PERNO_BULK_READ_ROWS", "200"))
# Tests: a transaction that locks rows before the audit chain is an error (see
# audit.trail.lock_chain); off in production, where it would cost a query per entry.
PERNO_LOCK_ORDER_CHECK = False

# Attachments: size limit and the content types accepted (checked on the bytes).
PERNO_ATTACHMENT_MAX_BYTES = int(os.environ.get("PERNO_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))
# Mailboxes (perno.mail.config): attachments over this are left out of imported mail,
# each mailbox is read this often, and certificates of mail servers are also checked
# against this CA file (a company's own authority), besides the system's.
PERNO_MAIL_MAX_ATTACHMENT_BYTES = int(
    os.environ.get("PERNO_MAIL_MAX_ATTACHMENT_BYTES", 25 * 1024 * 1024)
)
PERNO_MAIL_POLL_SECONDS = int(os.environ.get("PERNO_MAIL_POLL_SECONDS", "60"))
PERNO_MAIL_CA_FILE = os.environ.get("PERNO_MAIL_CA_FILE", "")
# Bodies over these limits get 413 before they are read: any body but a file upload
# (JSON, forms), and a whole upload (the files of one comment, 10 at most, and its fields).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
PERNO_UPLOAD_MAX_BYTES = int(
    os.environ.get(
        "PERNO_UPLOAD_MAX_BYTES", 10 * PERNO_ATTACHMENT_MAX_BYTES + DATA_UPLOAD_MAX_MEMORY_SIZE
    )
)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Imports: a file's size is bounded by PERNO_UPLOAD_MAX_BYTES; these bound what it holds
# (rows, cells, columns) and, for XLSX, what its zip may inflate to (zip bombs).
PERNO_IMPORT_MAX_ROWS = int(os.environ.get("PERNO_IMPORT_MAX_ROWS", 1_000_000))
PERNO_IMPORT_MAX_CELLS = int(os.environ.get("PERNO_IMPORT_MAX_CELLS", 20_000_000))
PERNO_IMPORT_MAX_COLUMNS = int(os.environ.get("PERNO_IMPORT_MAX_COLUMNS", 1_000))
PERNO_IMPORT_MAX_UNZIPPED_BYTES = int(
    os.environ.get("PERNO_IMPORT_MAX_UNZIPPED_BYTES", 500 * 1024 * 1024)
)
PERNO_IMPORT_MAX_ZIP_RATIO = int(os.environ.get("PERNO_IMPORT_MAX_ZIP_RATIO", 200))
# The CRM health check: a record neither changed nor contacted for this many months is
# stale.
PERNO_HEALTH_STALE_MONTHS = int(os.environ.get("PERNO_HEALTH_STALE_MONTHS", "12"))
PERNO_DEFAULT_REGION = os.environ.get("PERNO_DEFAULT_REGION", "IT")
PERNO_DEFAULT_CURRENCY = os.environ.get("PERNO_DEFAULT_CURRENCY", "EUR")
PERNO_CURRENCIES = env_list("PERNO_CURRENCIES", "EUR,RON,USD,GBP,CHF")

# Background work: without Redis every task runs in-process, at once.
REDIS_URL = os.environ.get("PERNO_REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
PERNO_REMINDER_INTERVAL = float(os.environ.get("PERNO_REMINDER_INTERVAL", "60"))
CELERY_BEAT_SCHEDULE = {
    "send-activity-reminders": {
        "task": "perno.activities.tasks.send_activity_reminders_task",
        "schedule": PERNO_REMINDER_INTERVAL,
    },
    "purge-search-history": {
        "task": "perno.search.tasks.purge_search_history_task",
        "schedule": 3600.0,
    },
    "privacy-daily": {
        "task": "perno.privacy.tasks.privacy_daily_task",
        "schedule": 3600.0,
    },
    "analytics-daily": {
        "task": "perno.marketing.tasks.daily_insight_task",
        "schedule": 3600.0,
    },
    "health-daily": {
        "task": "perno.health.tasks.health_daily_task",
        "schedule": 3600.0,
    },
    "merging-purge": {
        "task": "perno.merging.tasks.merges_purge_task",
        "schedule": 3600.0,
    },
    "imports-purge": {
        "task": "perno.imports.tasks.purge_imports_task",
        "schedule": 3600.0,
    },
    "duplicates-weekly": {
        "task": "perno.duplicates.tasks.weekly_find_task",
        "schedule": 3600.0,
    },
    "purge-login-attempts": {
        "task": "perno.accounts.tasks.purge_login_attempts_task",
        "schedule": 3600.0,
    },
    # Warn before SLA breaches and escalate them (each once per case and target).
    "cases-sla-check": {
        "task": "perno.cases.tasks.sla_check_task",
        "schedule": 60.0,
    },
    "mail-poll": {
        "task": "perno.mail.tasks.poll_mailboxes_task",
        "schedule": float(PERNO_MAIL_POLL_SECONDS),
    },
}

if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }

# E-mail: PERNO_EMAIL_URL=smtp://user:password@host:port (smtp+tls:// for STARTTLS).
EMAIL_URL = os.environ.get("PERNO_EMAIL_URL", "")
DEFAULT_FROM_EMAIL = os.environ.get("PERNO_DEFAULT_FROM_EMAIL", "perno@localhost")
if EMAIL_URL:
    from urllib.parse import unquote, urlsplit

    _email = urlsplit(EMAIL_URL)
    MAILERS: dict[str, Any] = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email.hostname or "localhost",
                "port": _email.port or 25,
                "username": unquote(_email.username or ""),
                "password": unquote(_email.password or ""),
                "use_tls": _email.scheme == "smtp+tls",
                "use_ssl": _email.scheme == "smtps",
                "timeout": 20,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
PERNO_EMAIL_ENABLED = bool(EMAIL_URL)

# No personal data in the logs: the access log is the application's (perno.access: no
# query strings, no client address), and the request paths in Django's own records are
# scrubbed the same way (perno.core.access_log).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"scrub_paths": {"()": "perno.core.access_log.ScrubPathsFilter"}},
    "handlers": {
        "console": {"class": "perno.core.logs.ConsoleHandler", "filters": ["scrub_paths"]},
    },
    "loggers": {
        # Django's own handlers (a console when DEBUG, the administrators' e-mail with
        # the whole request) and the development server's request line: replaced by
        # the console above, through the filter.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("PERNO_LOG_LEVEL", "INFO")},
}

NINJA_PAGINATION_PER_PAGE = 25
