"""What every command does first: the data directory with the keys kept in it, and
Django set up with the command line as the audited channel."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

DEFAULT_SETTINGS = "perno.config.settings.prod"


def setup_django(settings: str | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings or DEFAULT_SETTINGS)
    import django

    django.setup()
    from perno.audit.trail import set_channel

    set_channel("cli")  # what the command does is audited as done from the command line


def prepare_data_dir(value: str | None) -> Path:
    if value:
        os.environ["PERNO_DATA_DIR"] = value
    path = Path(os.environ.get("PERNO_DATA_DIR", "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    os.environ["PERNO_DATA_DIR"] = str(path)
    # A data directory made by `perno demo` keeps its own secret key: every command on it
    # (token, user, seed…) uses that key unless PERNO_SECRET_KEY says otherwise.
    key_file = path / "secret_key"
    if not os.environ.get("PERNO_SECRET_KEY") and key_file.is_file():
        os.environ["PERNO_SECRET_KEY"] = key_file.read_text().strip()
    keys_file = path / "encryption_keys"
    if not os.environ.get("PERNO_ENCRYPTION_KEYS") and keys_file.is_file():
        os.environ["PERNO_ENCRYPTION_KEYS"] = keys_file.read_text().strip()
    return path


def demo_secret(data_dir: Path) -> None:
    """The demo makes its own secret key once and keeps it in the data directory."""
    if os.environ.get("PERNO_SECRET_KEY"):
        return
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    os.environ["PERNO_SECRET_KEY"] = key_file.read_text().strip()
    # And an encryption key for the fields it marks sensitive (a deployment sets
    # PERNO_ENCRYPTION_KEYS from its secret store, away from the data and its backups).
    keys_file = data_dir / "encryption_keys"
    if not os.environ.get("PERNO_ENCRYPTION_KEYS"):
        if not keys_file.exists():
            from perno.core.sealing import generate_key

            keys_file.write_text(generate_key("demo1"))
            keys_file.chmod(0o600)
        os.environ["PERNO_ENCRYPTION_KEYS"] = keys_file.read_text().strip()
