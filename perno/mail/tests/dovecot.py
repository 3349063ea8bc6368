"""A real IMAP server for the tests and the bench: Debian's dovecot, started on a free
127.0.0.1 port with its own configuration, mail directory (maildir), run and state
directories, a passwd-file of test users and a self-signed TLS certificate made with
``cryptography``. Clients trust that certificate through ``PERNO_MAIL_CA_FILE``, so
Perno verifies certificates here as it does in production.

It runs as the current user: as root here (``first_valid_uid = 0``), as a normal user
elsewhere (dovecot then runs every process as that user). ``restart()`` stops and
starts it on the same port (the fault test restarts it in the middle of a poll);
``append()`` puts a message in with IMAP APPEND, as a mail server delivering would."""

from __future__ import annotations

import contextlib
import datetime
import grp
import imaplib
import ipaddress
import os
import pwd
import shutil
import signal
import socket
import ssl

# subprocess starts the local test IMAP server.
import subprocess  # nosec B404
import tempfile
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

BINARY = "/usr/sbin/dovecot"
USERS = {"support": "support-secret-1", "sales": "sales-secret-2", "bench": "bench-secret-3"}


def available() -> bool:
    return os.path.exists(BINARY) and os.access(BINARY, os.X_OK)


def _existing_user(*names: str) -> str:
    for name in names:
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name).pw_name
    raise RuntimeError(f"none of the users {names} exists for dovecot's processes")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost (it is its own CA)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "perno-test-imap")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


class Dovecot:
    """One dovecot instance. ``start()``, ``stop()``, ``restart()``; ``port`` speaks
    IMAP with STARTTLS, ``tls_port`` implicit TLS."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root or tempfile.mkdtemp(prefix="perno-dovecot-"))
        self.port = free_port()
        self.tls_port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        for name in ("run", "state", "mail"):
            (self.root / name).mkdir(parents=True, exist_ok=True)
        self.cert, self.key = _certificate(self.root)
        self.ca_file = str(self.cert)
        self.config = self.root / "dovecot.conf"
        self._write_config()

    def _write_config(self) -> None:
        uid, gid = os.getuid(), os.getgid()
        user = pwd.getpwuid(uid).pw_name
        group = grp.getgrgid(gid).gr_name
        login_user, internal_user, internal_group = user, user, group
        if uid == 0:
            # Dovecot refuses to run its login and internal processes as root: they take
            # the package's unprivileged users (or nobody); mail stays the caller's.
            login_user = _existing_user("dovenull", "nobody")
            internal_user = _existing_user("dovecot", "nobody")
            internal_group = grp.getgrgid(pwd.getpwnam(internal_user).pw_gid).gr_name
            # Nor mail as root: the mail directory belongs to an unprivileged user.
            mail_user = pwd.getpwnam(_existing_user("nobody", "dovenull"))
            uid, gid = mail_user.pw_uid, mail_user.pw_gid
            self.root.chmod(0o755)
            os.chown(self.root / "mail", uid, gid)
        passwd = self.root / "passwd"
        passwd.write_text(
            "".join(
                f"{name}:{{PLAIN}}{secret}:{uid}:{gid}::{self.root / 'mail' / name}::\n"
                for name, secret in USERS.items()
            )
        )
        self.config.write_text(
            f"""
protocols = imap
listen = 127.0.0.1
base_dir = {self.root / "run"}
state_dir = {self.root / "state"}
instance_name = perno-test-{self.port}
log_path = {self.root / "dovecot.log"}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = {min(uid, 500)}
first_valid_gid = {min(gid, 500)}
last_valid_uid = 0
last_valid_gid = 0
mail_location = maildir:{self.root / "mail"}/%u/Maildir
ssl = required
ssl_cert = <{self.cert}
ssl_key = <{self.key}
ssl_min_protocol = TLSv1.2
auth_mechanisms = plain login
# Test and bench data: no need to wait for the disk after each message.
mail_fsync = never
disable_plaintext_auth = yes
auth_failure_delay = 0
login_trusted_networks =
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {passwd}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port}
    ssl = yes
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
protocol imap {{
  mail_max_userip_connections = 50
}}
"""
        )

    # --- life cycle ----------------------------------------------------------------

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        log = open(self.root / "stderr.log", "ab")  # noqa: SIM115 - kept by the process
        # A fixed binary with our own configuration file, no shell.
        self.process = subprocess.Popen(  # nosec B603
            [BINARY, "-F", "-c", str(self.config)],
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited at start:\n{self.log()}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as probe,
            ):
                if probe.recv(64).startswith(b"* OK"):
                    return
            time.sleep(0.05)
        raise RuntimeError(f"dovecot did not answer on port {self.port}:\n{self.log()}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        # Its children (imap, auth) go with it; wait until the port is free again.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    pass
            except OSError:
                return
            time.sleep(0.05)

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        parts = []
        for name in ("dovecot.log", "stderr.log"):
            path = self.root / name
            if path.exists():
                parts.append(path.read_text(errors="replace")[-4000:])
        return "\n".join(parts)

    # --- putting mail in -------------------------------------------------------------

    def client(self, user: str = "support") -> imaplib.IMAP4:
        context = ssl.create_default_context(cafile=self.ca_file)
        connection = imaplib.IMAP4("127.0.0.1", self.port, timeout=30)
        connection.starttls(ssl_context=context)
        connection.login(user, USERS[user])
        return connection

    def append(self, raw: bytes, *, user: str = "support", folder: str = "INBOX") -> None:
        with self.client(user) as connection:
            connection.append(folder, "", None, raw)  # type: ignore[arg-type]

    def append_many(
        self, messages: list[bytes], *, user: str = "support", folder: str = "INBOX"
    ) -> None:
        connection = self.client(user)
        try:
            for raw in messages:
                status, _data = connection.append(folder, "", None, raw)  # type: ignore[arg-type]
                if status != "OK":
                    raise RuntimeError(f"APPEND failed: {_data!r}")
        finally:
            with contextlib.suppress(Exception):
                connection.logout()

    def create_folder(self, folder: str, *, user: str = "support") -> None:
        with self.client(user) as connection:
            connection.create(folder)

    def delete_folder(self, folder: str, *, user: str = "support") -> None:
        with self.client(user) as connection:
            connection.delete(folder)
