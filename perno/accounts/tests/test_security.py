"""Passwords, reset by e-mail, two-factor authentication, lockout, sessions and headers."""

from __future__ import annotations

import email
import email.policy
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from perno.accounts import lockout
from perno.accounts.models import LoginAttempt, RecoveryCode, User
from perno.accounts.services import user_save
from perno.accounts.tasks import purge_login_attempts_task
from perno.config.settings import base

PASSWORD = "correct-horse-battery-9"  # the conftest users' password


def current_code(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short-pw-1", "too short"),
        ("password1234", "too easy to guess"),
        ("my-name-is-romano-xyz", "must not contain your name"),
    ],
)
def test_weak_passwords_are_refused(user, password, reason):
    user.first_name, user.last_name = "Giulia", "Romano"
    with pytest.raises(ValidationError) as info:
        validate_password(password, user)
    assert reason in " ".join(info.value.messages)


def test_passwords_are_hashed_with_argon2(user, settings):

    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS  # tests use a fast hasher
    user.set_password("a long enough passphrase")
    assert user.password.startswith("argon2")


def test_password_reset_sends_a_single_use_link(client, user, smtp_inbox):
    response = client.post("/password/reset/", {"email": user.email})
    assert response.status_code == 302
    [message] = smtp_inbox.wait()
    assert message.rcpt_tos == [user.email]
    mail = email.message_from_bytes(message.content, policy=email.policy.default)
    body = mail.get_body(("plain",)).get_content()  # decoded (long links are wrapped)
    link = re.search(r"https?://[^/\s]+(/password/reset/[^\s]+/)", body).group(1)
    page = client.get(link, follow=True)
    assert page.status_code == 200 and "new_password1" in page.content.decode()
    set_url = page.redirect_chain[-1][0] if page.redirect_chain else link
    done = client.post(
        set_url,
        {"new_password1": "a new long passphrase 7", "new_password2": "a new long passphrase 7"},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a new long passphrase 7")
    # The same link does not work twice.
    again = client.get(link, follow=True).content.decode()
    assert 'data-testid="invalid-link"' in again


def test_lockout_after_repeated_failures_and_admin_unlock(client, user, settings, admin_user):
    settings.PERNO_LOCKOUT_ACCOUNT_FAILURES = 3
    for _ in range(3):
        response = client.post("/login/", {"username": user.username, "password": "wrong"})
        assert response.status_code == 200
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert "Too many failed log-ins for this account" in response.content.decode()
    assert "_auth_user_id" not in client.session
    attempt = LoginAttempt.objects.first()
    assert attempt.username == user.username and attempt.ip_address == "127.0.0.1"
    assert [row["value"] for row in lockout.locked_out()] == [user.username]
    with pytest.raises(Exception, match="administrators"):
        lockout.unlock(actor=user, username=user.username)
    assert lockout.unlock(actor=admin_user, username=user.username) == 3
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)


def test_lockout_by_address(client, make_user, settings):
    settings.PERNO_LOCKOUT_ADDRESS_FAILURES = 4
    for i in range(4):
        client.post("/login/", {"username": f"guess{i}", "password": "x"})
    victim = make_user("victim")
    response = client.post("/login/", {"username": victim.username, "password": PASSWORD})
    assert "from your network address" in response.content.decode()


def test_lockout_behind_a_proxy_counts_the_address_the_proxy_saw(client, make_user, settings):
    """Behind one trusted proxy every request comes from the proxy's address: the lockout
    must count the client's address from X-Forwarded-For, not a spoofable left entry."""
    settings.PERNO_LOCKOUT_ADDRESS_FAILURES = 3
    settings.PERNO_TRUSTED_PROXIES = 1
    attacker = {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.9"}  # the left entry is forged
    for i in range(3):
        client.post("/login/", {"username": f"guess{i}", "password": "x"}, **attacker)
    assert set(LoginAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}
    victim = make_user("victim")
    # Another client behind the same proxy is not locked out by the attacker…
    response = client.post(
        "/login/",
        {"username": victim.username, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert response.status_code == 302
    client.logout()
    # …and the attacker cannot escape the lockout by forging the left entry.
    response = client.post(
        "/login/",
        {"username": victim.username, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9",
    )
    assert "from your network address" in response.content.decode()
    # Garbage in the header falls back to the connection's address.
    settings.PERNO_LOCKOUT_ADDRESS_FAILURES = 100
    client.post("/login/", {"username": "x", "password": "x"}, HTTP_X_FORWARDED_FOR="not-an-ip")
    assert LoginAttempt.objects.filter(ip_address="127.0.0.1").count() == 1


def test_failed_attempts_are_purged(settings, db):
    settings.PERNO_LOGIN_ATTEMPT_DAYS = 30
    old = LoginAttempt.objects.create(username="a", ip_address="10.0.0.1")
    LoginAttempt.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    LoginAttempt.objects.create(username="b", ip_address="10.0.0.2")

    assert purge_login_attempts_task() == 1
    assert list(LoginAttempt.objects.values_list("username", flat=True)) == ["b"]


def test_two_factor_enrolment_verification_and_recovery_codes(client, user):
    client.force_login(user)
    page = client.post("/account/two-factor/", {"action": "start"}).content.decode()
    assert "<svg" in page and 'data-testid="secret"' in page
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    wrong = client.post("/account/two-factor/", {"action": "confirm", "code": "000000"})
    assert "This code is wrong" in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # django-otp delays the next try after a failure
    enrolment_code = current_code(device)
    page = client.post(
        "/account/two-factor/", {"action": "confirm", "code": enrolment_code}
    ).content.decode()
    codes = re.findall(r"<li>([0-9a-f]{8}-[0-9a-f]{8})</li>", page)
    assert len(codes) == 10 and RecoveryCode.objects.filter(user=user).count() == 10
    assert codes[0] not in str(list(RecoveryCode.objects.values_list("code_hash", flat=True)))
    # Shown once only.
    assert codes[0] not in client.get("/account/two-factor/").content.decode()

    # A new log-in asks for the code before anything else.
    client.logout()
    client.post("/login/", {"username": user.username, "password": PASSWORD})
    response = client.get("/contacts/")
    assert response.status_code == 302 and response["Location"].startswith("/login/verify/")
    assert client.get("/api/v1/contacts").status_code == 401
    device.refresh_from_db()
    # The code used at enrolment is refused a second time (that code itself: one
    # computed now would be a fresh one if the 30-second step had just turned).
    response = client.post("/login/verify/", {"code": enrolment_code})
    assert "already used" in response.content.decode()
    device.refresh_from_db()
    device.throttle_reset()
    # A recovery code works once.
    assert client.post("/login/verify/", {"code": codes[0]}).status_code == 302
    assert client.get("/contacts/").status_code == 200
    client.logout()
    client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert client.post("/login/verify/", {"code": codes[0]}).status_code == 200
    assert client.get("/contacts/").status_code == 302
    assert client.post("/login/verify/", {"code": codes[1]}).status_code == 302


def test_roles_that_require_two_factors_enforce_enrolment(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/contacts/")
    assert response.status_code == 302 and response["Location"].startswith("/account/two-factor/")
    page = client.get("/account/two-factor/").content.decode()
    assert "Your role requires two-factor authentication" in page


def test_log_out_everywhere_ends_every_session(client, user):

    other = Client()
    other.force_login(user)
    client.force_login(user)
    assert other.get("/").status_code == 200
    response = client.post("/account/logout-everywhere/")
    assert response.status_code == 302
    assert other.get("/").status_code == 302
    assert client.get("/").status_code == 302
    user.refresh_from_db()
    assert user.check_password(PASSWORD)  # the password is unchanged


def test_security_headers(client_user):
    response = client_user.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response.cookies["sessionid"]["httponly"]


def test_deploy_check_reports_nothing_in_production(tmp_path):
    root = Path(__file__).resolve().parents[3]
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "PERNO_EMAIL_URL": "smtp+tls://perno:secret@mail.example.com:587",
        "DJANGO_SETTINGS_MODULE": "perno.config.settings.prod",
        "PERNO_SECRET_KEY": "k" * 20 + "-" + "Zx9" * 12,
        "PERNO_DATA_DIR": str(tmp_path),
        "PERNO_ALLOWED_HOSTS": "crm.example.com",
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_users_are_deactivated_not_deleted_and_lose_their_sessions(client, user, admin_user):

    client.force_login(user)
    assert client.get("/").status_code == 200
    user_save(actor=admin_user, user=User.objects.get(pk=user.pk), data={"is_active": False})
    assert client.get("/").status_code == 302
    with pytest.raises(Exception, match="administrators"):
        user_save(actor=user, user=admin_user, data={"is_active": False})
