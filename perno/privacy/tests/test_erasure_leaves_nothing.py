"""Erasure leaves nothing (issue 19.3): access archives go with the person and expire;
no personal data in the logs; other records' business data survives an erasure with
only the person's names replaced; the archive holds only the subject's data, in the
subject's language. The canary (test_canary.py) scans everything end to end."""

from __future__ import annotations

import csv
import datetime
import inspect
import io
import json
import logging
import os
import zipfile
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import RequestFactory
from django.urls import resolve
from django.utils import timezone

from perno.audit import trail
from perno.audit.models import ChangeEntry
from perno.cli import server
from perno.config.celery import app
from perno.contacts.services import company_create, contact_create
from perno.core.access_log import ScrubPathsFilter, loggable_path
from perno.privacy import archive, requests
from perno.privacy.erasure import erase_contact
from perno.privacy.models import SubjectExport
from perno.privacy.redaction import Redaction
from perno.privacy.tests.test_requests import MARK, person_with_everything, register
from perno.sales.models import Deal

pytestmark = pytest.mark.django_db


def ready_export(dpo, contact, capture) -> SubjectExport:
    request = requests.request_update(
        actor=dpo,
        request=register(dpo, contact=contact),
        data={"identity": "verified", "identity_note": "ID card"},
    )
    with capture(execute=True):
        export = requests.export_start(actor=dpo, request=request)
    export.refresh_from_db()
    return export


# -- archives -----------------------------------------------------------------------------


def test_a_prepared_archive_goes_with_the_erased_person(
    make_user, django_capture_on_commit_callbacks
):
    user, dpo = make_user("seller", role="sales"), make_user("dora", role="dpo")
    contact, _deal = person_with_everything(user)
    export = ready_export(dpo, contact, django_capture_on_commit_callbacks)
    path = Path(export.path)
    assert export.status == "ready" and path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        counts = erase_contact(actor=dpo, contact=contact)
    assert counts["privacy.subjectexport"] == 1
    assert not SubjectExport.objects.exists() and not path.exists()


def test_an_archive_built_while_the_person_is_erased_is_removed(make_user, monkeypatch):
    user, dpo = make_user("seller", role="sales"), make_user("dora", role="dpo")
    contact, _deal = person_with_everything(user)
    request = requests.request_update(
        actor=dpo,
        request=register(dpo, contact=contact),
        data={"identity": "verified", "identity_note": "ID card"},
    )
    export = requests.export_start(actor=dpo, request=request)  # queued, not run
    build = archive.build
    written = []

    def erased_meanwhile(**kwargs):
        result = build(**kwargs)
        written.append(result[0])
        SubjectExport.objects.filter(pk=export.pk).delete()  # the erasure commits
        return result

    monkeypatch.setattr(archive, "build", erased_meanwhile)
    assert requests.export_run(export_id=export.pk) is False
    assert written and not written[0].exists()


def test_archives_expire_and_stray_files_are_swept(make_user, settings, tmp_path):
    settings.PERNO_EXPORT_HOURS = 72
    user, dpo = make_user("seller", role="sales"), make_user("dora", role="dpo")
    contact, _deal = person_with_everything(user)
    request = register(dpo, contact=contact)
    folder = archive.export_dir()
    now = timezone.now()
    old, fresh = now - datetime.timedelta(hours=80), now - datetime.timedelta(hours=1)

    def zip_file(name, when):
        path = folder / f"subject-{name}.zip"
        path.write_bytes(f"every value of {MARK}".encode())
        os.utime(path, (when.timestamp(), when.timestamp()))
        return path

    expired = zip_file("expired", old)
    waiting = zip_file("waiting", fresh)
    crashed = zip_file("crashed", old)  # no row holds it: a build that died
    building = zip_file("building", fresh)  # being written: too recent to sweep
    SubjectExport.objects.create(
        request=request, status="ready", path=str(expired), finished_at=old, created_at=old
    )
    SubjectExport.objects.create(
        request=request, status="ready", path=str(waiting), finished_at=fresh, created_at=fresh
    )
    stuck = SubjectExport.objects.create(request=request, status="running", created_at=old)

    assert requests.exports_purge(now=now) == 2
    assert not expired.exists() and not crashed.exists()
    assert waiting.exists() and building.exists()
    statuses = dict(SubjectExport.objects.values_list("path", "status"))
    assert statuses == {"": "failed", str(waiting): "ready"}
    stuck.refresh_from_db()
    assert stuck.status == "failed" and stuck.error == "interrupted"


def test_only_archive_files_are_ever_removed(settings, tmp_path):
    elsewhere = tmp_path / "notes.txt"
    elsewhere.write_text("keep")
    with pytest.raises(ValueError, match="is not an archive"):
        archive.discard(elsewhere)
    assert elsewhere.exists()


# -- other records' business data ----------------------------------------------------------


def test_only_the_names_are_replaced():
    class Person:
        first_name, last_name = "Mario", "Rossi"
        email, phone, mobile = "mario.rossi@example.com", "+39 06 1234 5678", ""

    redaction = Redaction.of([Person()])
    assert redaction.text("Offer to Mario  Rossi for Acme") == "Offer to — for Acme"
    assert redaction.text("ROSSI, MARIO: write to mario.rossi@example.com") == "—, —: write to —"
    assert redaction.text("Rossini and Marion stay") == "Rossini and Marion stay"
    assert redaction.text("call +39 06 1234 5678") == "call —"
    assert redaction.value({"referent": "Mario Rossi", "seats": 40, "tags": ["Rossi"]}) == {
        "referent": "—",
        "seats": 40,
        "tags": ["—"],
    }


def test_erasing_a_contact_keeps_a_company_deal_and_its_history(make_user, user):
    dpo = make_user("dora", role="dpo")
    contact, own = person_with_everything(user)
    other = contact_create(actor=user, data={"first_name": "Bruno", "last_name": "Verdi"})
    shared = Deal.objects.create(
        title=f"Neri{MARK} supply",
        close_reason="",
        contact=contact,
        company_id=contact_company(user).pk,
        pipeline=own.pipeline,
        stage=own.stage,
        amount=10,
        currency="EUR",
        owner=user,
    )
    ChangeEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Deal),
        object_id=shared.pk,
        object_repr=shared.title,
        action="update",
        changes={
            "contact": ["Bruno Verdi", f"Ada{MARK} Neri{MARK}"],
            "contact#ref": [f"contact:{other.pk}", f"contact:{contact.pk}"],
        },
    )
    erase_contact(actor=dpo, contact=contact)
    shared.refresh_from_db()
    assert shared.title == "— supply" and shared.contact_id is None and shared.company_id
    [entry] = ChangeEntry.objects.filter(object_id=shared.pk, content_type__model="deal")
    assert entry.changes["contact"] == ["Bruno Verdi", "—"] and entry.object_repr == "— supply"


def contact_company(user):
    return company_create(actor=user, data={"name": "Verdi Arredi"})


# -- the archive: only the subject, one language -------------------------------------------


def test_the_archive_holds_only_the_subject_in_their_language(user):
    contact, deal = person_with_everything(user)  # language "it"
    other = contact_create(actor=user, data={"first_name": "Bruno", "last_name": "Verdi"})
    trail.record_list(actor=user, model=type(contact), ids=[other.pk, contact.pk])
    ChangeEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Deal),
        object_id=deal.pk,
        object_repr=deal.title,
        action="update",
        changes={
            "contact": ["Bruno Verdi", "Ada Neri"],
            "contact#ref": [f"contact:{other.pk}", f"contact:{contact.pk}"],
        },
    )
    path, _size, _digest = archive.build(contact=contact)
    with zipfile.ZipFile(path) as zipped:
        data = json.loads(zipped.read("data.json"))
        contacts_csv = zipped.read("csv/contacts.contact.csv").decode("utf-8-sig")
        consents_csv = zipped.read("csv/privacy.consentevent.csv").decode("utf-8-sig")
        summary = zipped.read("summary.html").decode()
    text = json.dumps(data)
    assert f'"contact:{other.pk}"' not in text and "Bruno" not in text and "Verdi" not in text
    [listed] = [r for r in data["tables"]["audit.auditevent"]["rows"] if r["action"] == "list"]
    assert listed["detail"]["shown"] == [contact.pk]
    [change] = [r for r in data["tables"]["audit.changeentry"]["rows"] if "contact" in r["changes"]]
    assert change["changes"]["contact#ref"] == [None, f"contact:{contact.pk}"]
    assert data["language"] == "it"
    assert data["tables"]["contacts.contact"]["description"] == "contatti"
    assert data["tables"]["contacts.contact"]["fields"]["first_name"] == "nome"
    headings = next(csv.reader(io.StringIO(contacts_csv)))
    assert "nome" in headings and "first_name" not in headings
    consent = next(csv.DictReader(io.StringIO(consents_csv)))
    assert "dato" in consent.values() and "given" not in consent.values()
    assert "first_name" not in summary and "Personal data held about" not in summary
    assert '<html lang="it">' in summary


# -- logs -----------------------------------------------------------------------------------


def test_logged_paths_hold_no_query_string_or_token():
    factory = RequestFactory()
    cases = {
        f"/privacy/lookup/?q={MARK}%40example.com": "/privacy/lookup/",
        f"/search/?q=Ada+{MARK}": "/search/",
        "/contacts/10042/?tab=history": "/contacts/10042/",
        f"/p/optin/{MARK}token/": "/p/optin/<token>/",
        f"/p/unsubscribe/{MARK}token/?x=1": "/p/unsubscribe/<token>/",
        f"/password/reset/{MARK}/set-password/": "/password/reset/<uidb64>/<token>/",
        "/timeline/contact/10042/": "/timeline/contact/10042/",
    }
    for url, logged in cases.items():
        request = factory.get(url)
        request.resolver_match = resolve(request.path)
        assert loggable_path(request) == logged, url
    nowhere = factory.get(f"/Ada{MARK}/?q=1")
    assert loggable_path(nowhere) == "(no matching URL)"
    static = factory.get("/static/perno/app.css")
    assert loggable_path(static) == "/static/perno/app.css"


def test_django_request_and_server_records_are_scrubbed():
    factory = RequestFactory()
    request = factory.get(f"/p/optin/{MARK}/")
    request.resolver_match = resolve(request.path)
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", (request.path,), None
    )
    record.request = request
    assert ScrubPathsFilter().filter(record)
    assert record.getMessage() == "Not Found: /p/optin/<token>/"
    served = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        (f"GET /search/?q={MARK} HTTP/1.1", "200", "512"),
        None,
    )
    assert ScrubPathsFilter().filter(served)
    assert served.getMessage() == '"GET /search/ HTTP/1.1" 200 512'


def test_gunicorn_keeps_no_access_log_of_its_own(monkeypatch):
    started = []

    class Process:
        def __init__(self, argv, *args, **kwargs):
            started.append(argv)

        def wait(self, **kwargs):
            return 0

        def poll(self):
            return 0

    monkeypatch.setattr(server.subprocess, "Popen", Process)
    monkeypatch.setattr(server.signal, "signal", lambda *args: None)
    monkeypatch.setenv("PERNO_REDIS_URL", "redis://127.0.0.1:6379/3")
    assert server._serve("127.0.0.1", 8000, 1) == 0
    [gunicorn] = [argv for argv in started if "gunicorn" in argv]
    assert not any(arg.startswith("--access-log") for arg in gunicorn)


def test_tasks_are_given_ids_only():
    """Celery logs a task's arguments (received, retried, failed): they are ids, never
    text about a person."""
    app.loader.import_default_modules()
    allowed = {"int", "int | None", "list[int]"}
    for name, task in app.tasks.items():
        if not name.startswith("perno."):
            continue
        for parameter in inspect.signature(task.run).parameters.values():
            assert str(parameter.annotation) in allowed, (name, parameter)
