import io
import os
import subprocess
import sys

import pytest
from django.db import connection

from perno import cli
from perno.accounts.models import User
from perno.accounts.services import token_authenticate
from perno.analytics.models import Snapshot
from perno.contacts.models import Company, Contact
from perno.contacts.services import contact_create
from perno.core.sealing import PREFIX
from perno.marketing.models import Response, Segment
from perno.privacy.models import Breach, ConsentEvent, Notice, SubjectRequest
from perno.sales.models import Deal, Order, Pipeline
from perno.search import engine
from perno.search.models import SearchEntry
from perno.seed.demo import load_demo

# The commands run in this process use the test database; those run as a subprocess on
# a data directory of their own (SQLite) do not, and run once, in the SQLite pass.
DB = pytest.mark.django_db


def run(monkeypatch, capsys, argv, stdin=""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


@DB
def test_user_create_reads_the_password_from_stdin(monkeypatch, capsys, roles, tmp_path):
    code, out, _ = run(
        monkeypatch,
        capsys,
        [
            "user",
            "create",
            "maria",
            "--password-stdin",
            "--role",
            "manager",
            "--team",
            "Vendite Sud",
            "--data-dir",
            str(tmp_path),
        ],
        stdin="una-password-lunga-2026\n",
    )
    assert code == 0 and "Created user maria" in out
    user = User.objects.get(username="maria")
    assert user.check_password("una-password-lunga-2026")
    assert [r.code for r in user.roles.all()] == ["manager"] and user.team.name == "Vendite Sud"


@DB
def test_user_create_refuses_weak_passwords_and_unknown_roles(monkeypatch, capsys, roles):
    code, _, err = run(
        monkeypatch, capsys, ["user", "create", "maria", "--password-stdin"], stdin="short\n"
    )
    assert code == 1 and "password" in err
    code, _, err = run(
        monkeypatch,
        capsys,
        ["user", "create", "maria", "--password-stdin", "--role", "boss"],
        stdin="una-password-lunga-2026\n",
    )
    assert code == 1 and "boss" in err
    assert not User.objects.filter(username="maria").exists()


@DB
def test_token_create_prints_a_working_token(monkeypatch, capsys, user):
    code, out, _ = run(monkeypatch, capsys, ["token", "create", user.username, "--label", "zapier"])
    assert code == 0
    assert token_authenticate(out.strip()).user == user
    code, _, err = run(monkeypatch, capsys, ["token", "create", "nobody"])
    assert code == 1 and "No active user" in err


@DB
def test_seed_is_fast_bulk_and_deterministic(monkeypatch, capsys, user):
    code, out, _ = run(
        monkeypatch,
        capsys,
        [
            "seed",
            "--companies",
            "10",
            "--contacts",
            "50",
            "--deals",
            "20",
            "--activities",
            "40",
            "--seed",
            "9",
        ],
    )
    assert code == 0 and "contacts/s" in out
    first = list(Contact.objects.order_by("pk").values_list("first_name", "last_name", "mobile"))
    assert Company.objects.count() == 10 and len(first) == 50 and Deal.objects.count() == 20
    assert Pipeline.objects.count() == 2
    # JSON is stored as an object, not as the text "{}".
    assert Contact.objects.filter(custom_fields={}).count() == 50
    assert Deal.objects.filter(custom_fields={}).count() == 20
    assert any(c.country == "RO" for c in Contact.objects.all()) and any(
        c.country == "IT" for c in Contact.objects.all()
    )
    Contact.objects.all().delete()
    run(
        monkeypatch,
        capsys,
        [
            "seed",
            "--companies",
            "10",
            "--contacts",
            "50",
            "--deals",
            "0",
            "--activities",
            "0",
            "--seed",
            "9",
        ],
    )
    again = list(Contact.objects.order_by("pk").values_list("first_name", "last_name", "mobile"))
    assert [c[:2] for c in again] == [c[:2] for c in first]


@DB
def test_manage_passes_through_to_django(monkeypatch, capsys):
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "perno.config.settings.test")
    assert cli.main(["manage", "check"]) == 0
    assert "no issues" in capsys.readouterr().out


@pytest.mark.parametrize("key", [None, "changeme", "django-insecure-abc", "short"])
def test_production_refuses_a_missing_or_default_secret_key(key, tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PERNO_SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
    }
    env["PERNO_DATA_DIR"] = str(tmp_path)
    if key is not None:
        env["PERNO_SECRET_KEY"] = key
    result = subprocess.run(
        [sys.executable, "-m", "perno.cli", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "PERNO_SECRET_KEY" in result.stderr


def test_production_refuses_a_malformed_encryption_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        PERNO_DATA_DIR=str(tmp_path),
        PERNO_SECRET_KEY="s" * 50,
        PERNO_ENCRYPTION_KEYS="2026a:too-short",
    )
    result = subprocess.run(
        [sys.executable, "-m", "perno.cli", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "PERNO_ENCRYPTION_KEYS key '2026a' is not 32 bytes" in result.stderr


@DB
def test_demo_data_loads_once(settings, django_capture_on_commit_callbacks):

    messages = []
    with django_capture_on_commit_callbacks(execute=True):
        assert load_demo(report=messages.append, scale=0.05) is True
    counts = (
        Company.objects.count(),
        Contact.objects.count(),
        Deal.objects.count(),
        User.objects.count(),
    )
    assert counts[3] == 6

    assert Notice.objects.filter(purpose__code="newsletter").exists()
    assert ConsentEvent.objects.filter(kind="given").count() >= 5
    assert SubjectRequest.objects.filter(status="open").count() == 1
    assert Breach.objects.get().closed_at is not None
    # Customer insight: orders, fan questionnaire answers, segments, a snapshot.

    assert Order.objects.filter(contact__isnull=False).count() > Contact.objects.count() / 2
    assert Response.objects.filter(satisfaction__isnull=False).exists()
    assert Segment.objects.count() == 3
    assert Snapshot.objects.filter(status__in=["done", "failed"]).exists()
    # Tax codes and contact notes are encrypted at rest; the application reads them.

    coded = Contact.objects.filter(custom_fields__has_key="tax_code")
    assert coded.count() > 0 and all(len(c.custom_fields["tax_code"]) == 16 for c in coded)
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes, custom_fields FROM contacts_contact")
        stored = cursor.fetchall()
    assert all(notes.startswith(PREFIX) for notes, _custom in stored if notes)
    assert any(
        PREFIX.encode("unicode_escape").decode() in str(c) or PREFIX in str(c) for _n, c in stored
    )
    assert load_demo(report=messages.append, scale=0.05) is False
    assert (
        Company.objects.count(),
        Contact.objects.count(),
        Deal.objects.count(),
        User.objects.count(),
    ) == counts
    assert "already loaded" in messages[-1]


def test_commands_on_a_demo_data_dir_use_its_secret_key(tmp_path):
    """`perno demo` keeps a secret key in its data directory; `perno token create` and the
    other commands on that directory use it instead of failing."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PERNO_SECRET_KEY", "DJANGO_SETTINGS_MODULE", "PERNO_DATABASE_URL"}
    }
    env["PERNO_DATA_DIR"] = str(tmp_path)
    (tmp_path / "secret_key").write_text("k" * 10 + "-a-long-random-demo-secret-key-for-this-test")
    for argv, code in ((["migrate"], 0), (["token", "create", "nobody"], 1)):
        result = subprocess.run(
            [sys.executable, "-m", "perno.cli", *argv],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert "PERNO_SECRET_KEY" not in result.stderr, result.stderr
        assert result.returncode == code, result.stderr
    assert "No active user named 'nobody'" in result.stderr


@DB
def test_search_rebuild_shows_progress_and_restores_the_index(monkeypatch, capsys, user):

    for n in range(3):
        contact_create(actor=user, data={"first_name": "Ricostruita", "last_name": f"Num{n}"})
    SearchEntry.objects.all().delete()  # as after a restore without the index
    assert engine.search(user, "ricostruita").hits == []
    code, out, err = run(monkeypatch, capsys, ["search", "rebuild"])
    assert code == 0
    assert "3/3" in err and "[" in err  # the progress bar
    assert "Search index rebuilt" in out and "3 contact" in out
    assert len(engine.search(user, "ricostruita").hits) == 3
