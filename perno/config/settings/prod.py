"""Production mode: refuses to start without a real secret key."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import PERNO_ENCRYPTION_KEYS, SECRET_KEY, env_bool

KNOWN_DEFAULT_KEYS = {"", "changeme", "change-me", "secret", "perno", "dev", "insecure"}

if SECRET_KEY.strip().lower() in KNOWN_DEFAULT_KEYS or SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured(
        "PERNO_SECRET_KEY is missing or a known default. Production mode needs a long random "
        "secret: set PERNO_SECRET_KEY, for example to the output of "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
    )
if len(SECRET_KEY) < 32:
    raise ImproperlyConfigured(
        "PERNO_SECRET_KEY is too short (at least 32 characters). Generate one with "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
    )

# A malformed encryption key stops Perno at start-up, not at the first sensitive value.
from perno.core.sealing import parse_keys  # noqa: E402

parse_keys(PERNO_ENCRYPTION_KEYS)

DEBUG = False
# Production sits behind HTTPS (a TLS-terminating proxy that sets X-Forwarded-Proto).
# Only the local demo turns this off, because it serves http://127.0.0.1.
PERNO_HTTPS = env_bool("PERNO_HTTPS", True)
SESSION_COOKIE_SECURE = PERNO_HTTPS
CSRF_COOKIE_SECURE = PERNO_HTTPS
if PERNO_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("PERNO_HSTS_PRELOAD", True)
