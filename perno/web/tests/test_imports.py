"""The import wizard's pages (issue 20, points 1 and 8): upload, mapping, preview with
duplicate choices, run, summary, bad rows and undo; every refusal of the services shown
in words with nothing stored; rights, another user's import and CSRF."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from perno.contacts.models import Contact
from perno.contacts.services import contact_create, contact_update
from perno.imports import services
from perno.imports.models import ImportJob, ImportMapping
from perno.imports.tests.test_files import _bomb, _cfb, _workbook

pytestmark = pytest.mark.django_db

CSV = (
    "Nome;Cognome;Email;Indirizzo;Città\n"
    "Mario;Rossi;mario.rossi@example.com;Via Roma 1;Roma\n"
    "Anna;Bianchi;non-una-mail;Via Dante 2;Milano\n"
    "Luca;Verdi;luca.verdi@example.com;Corso Francia 3;Torino\n"
)


@pytest.fixture(autouse=True)
def _import_dir(settings: Any, tmp_path: Any) -> None:
    settings.DATA_DIR = tmp_path / "data"


@pytest.fixture
def existing(user: Any) -> Contact:
    return contact_create(
        actor=user,
        data={"first_name": "Luca", "last_name": "Verde", "email": "luca.verdi@example.com"},
    )


def _upload(client: Any, content: bytes | str, name: str = "clienti.csv", **extra: Any) -> Any:
    data = content.encode() if isinstance(content, str) else content
    return client.post(
        "/imports/",
        {"entity": "contact", "file": SimpleUploadedFile(name, data), **extra},
    )


def _job() -> ImportJob:
    return ImportJob.objects.get()


def _text(response: Any) -> str:
    return response.content.decode()


def _mapping_post(job: ImportJob, **overrides: str) -> dict[str, str]:
    data = {f"column_{i}": job.mapping.get(h) or "" for i, h in enumerate(job.headers)}
    data.update({"date_order": "dmy", "decimal": "comma"}, **overrides)
    return data


def test_the_wizard_from_upload_to_undo(
    client_user: Any, user: Any, existing: Contact, django_capture_on_commit_callbacks: Any
) -> None:
    page = client_user.get("/imports/")
    assert page.status_code == 200
    assert 'data-testid="nav-import"' in _text(page)
    assert 'value="product"' not in _text(page)  # a salesperson may not create products

    # 1. Upload: the suggestions are made, nothing is imported yet.
    answer = _upload(client_user, CSV)
    job = _job()
    assert answer.status_code == 302 and answer["Location"] == f"/imports/{job.pk}/mapping/"
    assert job.pk > 10_000 and Contact.objects.count() == 1

    # 2. Mapping: samples, suggested fields, what was detected, required fields.
    page = _text(client_user.get(answer["Location"]))
    assert "Mario" in page and "semicolon (;)" in page and "UTF-8" in page
    assert '<option value="email" selected>' in page
    assert 'data-testid="required"' in page
    answer = client_user.post(
        f"/imports/{job.pk}/mapping/", _mapping_post(job, save_as="Clienti CRM vecchio")
    )
    assert answer["Location"] == f"/imports/{job.pk}/preview/"
    assert ImportMapping.objects.get().name == "Clienti CRM vecchio"

    # 3. Preview: the bad cell with its message, the duplicate with why, the counts.
    page = _text(client_user.get(answer["Location"]))
    assert 'data-testid="bad-cell"' in page and 'aria-invalid="true"' in page
    assert "non-una-mail" in page
    bad_cell = re.search(r'aria-describedby="(cell-[^"]+)"', page)
    assert bad_cell and f'id="{bad_cell.group(1)}"' in page
    assert "same e-mail" in page and f"/contacts/{existing.pk}/" in page
    assert 'data-testid="count-bad">1 bad' in page
    assert 'data-testid="count-duplicates">1 duplicate' in page

    # The duplicate is updated (its radio), then the good rows are imported.
    with django_capture_on_commit_callbacks(execute=True):  # the task, eager
        answer = client_user.post(
            f"/imports/{job.pk}/run/", {"default": "skip", "row_2": "update", "mode": "good"}
        )
    assert answer["Location"] == f"/imports/{job.pk}/"
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert (job.created, job.updated, job.failed) == (1, 1, 1)
    existing.refresh_from_db()
    assert existing.last_name == "Verdi"

    # 4. Summary: counts, the bad rows as CSV with the reason, the records, undo.
    page = _text(client_user.get(answer["Location"]))
    assert 'data-testid="summary-created">1<' in page and 'data-testid="summary-failed">1<' in page
    assert f"/imports/{job.pk}/bad-rows.csv" in page and "/contacts/" in page
    assert 'data-testid="undo"' in page
    download = client_user.get(f"/imports/{job.pk}/bad-rows.csv")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig")), delimiter=";"))
    rows = (
        rows
        if len(rows[0]) > 1
        else list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    )
    assert "reason" in [h.lower() for h in rows[0]] and "Anna" in rows[1]

    # The list of past imports shows it with its counts and who.
    page = _text(client_user.get("/imports/"))
    assert f'data-testid="import-{job.pk}"' in page and "clienti.csv" in page

    # 5. Undo: the created contact goes, the updated one is restored.
    page = client_user.post(f"/imports/{job.pk}/undo/")
    assert page.status_code == 200
    assert 'data-testid="undo-removed">1<' in _text(page)
    assert 'data-testid="undo-restored">1<' in _text(page)
    assert not Contact.objects.filter(email="mario.rossi@example.com").exists()
    existing.refresh_from_db()
    assert existing.last_name == "Verde"
    # A second undo is refused in words.
    again = client_user.post(f"/imports/{job.pk}/undo/", follow=True)
    assert "Only a finished import can be undone." in _text(again)


def test_skip_for_all_and_all_or_nothing_stores_nothing(
    client_user: Any, existing: Contact, django_capture_on_commit_callbacks: Any
) -> None:
    _upload(client_user, CSV)
    job = _job()
    client_user.post(f"/imports/{job.pk}/mapping/", _mapping_post(job))
    # "For every duplicate: update", applied to all rows, replaces the per-row choices.
    client_user.post(
        f"/imports/{job.pk}/preview/", {"default": "update", "row_2": "skip", "apply_all": "1"}
    )
    job.refresh_from_db()
    assert job.decisions == {"default": "update", "rows": {}}
    with django_capture_on_commit_callbacks(execute=True):
        answer = client_user.post(f"/imports/{job.pk}/run/", {"default": "skip", "mode": "all"})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.all_or_nothing
    assert Contact.objects.count() == 1
    page = _text(client_user.get(answer["Location"]))
    assert "nothing was stored" in page and "bad-rows.csv" in page
    assert 'data-testid="undo"' not in page


def test_a_mapping_without_a_required_field_is_refused_naming_it(client_user: Any) -> None:
    _upload(client_user, CSV)
    job = _job()
    page = client_user.post(
        f"/imports/{job.pk}/mapping/", _mapping_post(job, column_1="")
    )  # no last name
    assert page.status_code == 200
    assert "Map a column to each required field: Last name." in _text(page)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UPLOADED
    # The preview is not reachable before a mapping.
    assert client_user.get(f"/imports/{job.pk}/preview/")["Location"].endswith("/mapping/")


def test_a_saved_mapping_is_reused_for_the_next_file(client_user: Any, user: Any) -> None:
    mapping = ImportMapping.objects.create(
        owner=user,
        entity="contact",
        name="Vecchio CRM",
        columns={"Nome": "first_name", "Cognome": "last_name", "Email": "email"},
    )
    answer = _upload(client_user, CSV, saved_mapping=str(mapping.pk))
    job = _job()
    assert answer["Location"] == f"/imports/{job.pk}/preview/"
    assert job.mapping["Email"] == "email" and "Città" not in job.mapping
    # A mapping for another record type is refused on the form.
    page = client_user.post(
        "/imports/",
        {
            "entity": "lead",
            "file": SimpleUploadedFile("l.csv", b"Nome;Cognome\nA;B\n"),
            "saved_mapping": str(mapping.pk),
        },
    )
    assert "is for Contacts" in _text(page) and ImportJob.objects.count() == 1


def test_a_saved_mapping_that_does_not_fit_goes_to_the_mapping_step(
    client_user: Any, user: Any
) -> None:
    mapping = ImportMapping.objects.create(
        owner=user, entity="contact", name="Altro file", columns={"Nome": "first_name"}
    )
    answer = _upload(client_user, CSV, saved_mapping=str(mapping.pk))
    assert answer["Location"].endswith("/mapping/")
    page = _text(client_user.get(answer["Location"]))
    assert "does not fit this file" in page and "Last name" in page


BAD_FILES = [
    (b"", "clienti.csv", "file is empty"),
    (b"Nome;Cognome\n", "clienti.csv", "no data rows"),
    (b"Nome,Email,email\nA,a@b.it,c@d.it\n", "clienti.csv", "more than once"),
    (b"Nome,,Citta\nRossi,x,Roma\n", "clienti.csv", "column 2 (B)"),
    (b"name\n\x81\x8d\x90\x9d\n", "clienti.csv", "cannot be recognised"),
    (b"PK\x03\x04" + b"\x00" * 200, "clienti.xlsx", "damaged"),
    (None, "segreto.xlsx", "password"),
    (None, "bomba.xlsx", "zip bomb"),
]


@pytest.mark.parametrize(("content", "name", "words"), BAD_FILES)
def test_a_file_that_cannot_be_imported_is_explained_and_nothing_is_stored(
    client_user: Any, content: bytes | None, name: str, words: str
) -> None:
    if name == "segreto.xlsx":
        content = _cfb("EncryptionInfo", "EncryptedPackage")
    elif name == "bomba.xlsx":
        content = _bomb(8 * 1024 * 1024)
    page = _upload(client_user, content or b"", name)
    assert page.status_code == 200
    assert words in _text(page)
    assert 'data-field-error="file"' in _text(page)
    assert not ImportJob.objects.exists()


def test_formulas_in_a_workbook_are_bad_cells_never_evaluated(client_user: Any) -> None:
    content = _workbook(("Nome", "Cognome", "Email"), ("Mario", "=1+2", "m@example.com"))
    _upload(client_user, content, "formule.xlsx")
    job = _job()
    client_user.post(f"/imports/{job.pk}/mapping/", _mapping_post(job))
    page = _text(client_user.get(f"/imports/{job.pk}/preview/"))
    assert "holds a formula (=1+2)" in page and 'data-testid="bad-cell"' in page


def test_a_file_over_the_upload_limit_is_refused_in_words(client_user: Any, settings: Any) -> None:
    """The page checks the size before sending (imports.js: the limit and the message
    are on the file input); a body over it gets the middleware's 413 in words."""
    settings.PERNO_UPLOAD_MAX_BYTES = 10_000
    page = _text(client_user.get("/imports/"))
    assert 'data-max-bytes="10000"' in page and "At most 9.8\xa0KB per file" in page
    assert "the most an upload may be" in page  # the message the browser shows
    big = "Nome;Cognome\n" + "Mario;Rossi\n" * 1000
    answer = _upload(client_user, big)
    assert answer.status_code == 413 and "The request is too large" in _text(answer)
    assert not ImportJob.objects.exists()


def test_the_same_file_twice_at_once_is_refused_in_words(client_user: Any) -> None:
    _upload(client_user, CSV)
    _upload(client_user, CSV)
    first, second = ImportJob.objects.order_by("pk")
    for job in (first, second):
        client_user.post(f"/imports/{job.pk}/mapping/", _mapping_post(job))
    ImportJob.objects.filter(pk=first.pk).update(status=ImportJob.Status.RUNNING)
    answer = client_user.post(f"/imports/{second.pk}/run/", {"default": "skip", "mode": "good"})
    assert answer["Location"] == f"/imports/{second.pk}/preview/"
    page = _text(client_user.get(answer["Location"]))
    assert "The same file is already being imported" in page
    second.refresh_from_db()
    assert second.status == ImportJob.Status.MAPPED and not Contact.objects.exists()


def test_a_running_import_polls_its_progress(client_user: Any, user: Any) -> None:
    job = services.import_upload(actor=user, entity="contact", name="a.csv", content=CSV.encode())
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, processed=1)
    page = _text(client_user.get(f"/imports/{job.pk}/"))
    assert f'hx-get="/imports/{job.pk}/status/"' in page and 'hx-trigger="every 1s"' in page
    fragment = _text(client_user.get(f"/imports/{job.pk}/status/"))
    assert "<progress" in fragment and 'value="33"' in fragment and "1 of 3 rows" in fragment
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.DONE, processed=3)
    fragment = _text(client_user.get(f"/imports/{job.pk}/status/"))
    assert "hx-trigger" not in fragment and 'data-testid="summary"' in fragment


def test_only_who_may_create_a_record_type_may_import_it(client: Any, make_user: Any) -> None:
    support = make_user("assistenza", role="support")
    client.force_login(support)
    page = _text(client.get("/imports/"))
    assert 'value="activity"' in page and 'value="contact"' not in page
    answer = _upload(client, CSV)  # a contact import posted anyway
    assert answer.status_code == 403 and not ImportJob.objects.exists()
    auditor = make_user("revisore", role="auditor")
    client.force_login(auditor)
    assert client.get("/imports/").status_code == 403
    assert 'data-testid="nav-import"' not in _text(client.get("/"))


def test_another_users_import_is_a_404(client: Any, user: Any, make_user: Any) -> None:
    job = services.import_upload(actor=user, entity="contact", name="a.csv", content=CSV.encode())
    services.import_map(actor=user, job=job, mapping=job.mapping)
    assert job.pk > 10_000
    other = make_user("marco", team="Vendite Sud")
    client.force_login(other)
    for path in ("", "mapping/", "preview/", "status/", "bad-rows.csv"):
        assert client.get(f"/imports/{job.pk}/{path}").status_code == 404, path
    for path in ("mapping/", "preview/", "run/", "undo/"):
        assert client.post(f"/imports/{job.pk}/{path}", {"mode": "good"}).status_code == 404
    assert client.get("/imports/99999999/").status_code == 404
    assert "a.csv" not in _text(client.get("/imports/"))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.MAPPED


def test_every_post_needs_the_csrf_token(user: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert _upload(client, CSV).status_code == 403
    job = services.import_upload(actor=user, entity="contact", name="a.csv", content=CSV.encode())
    for path in ("mapping/", "preview/", "run/", "undo/"):
        assert client.post(f"/imports/{job.pk}/{path}").status_code == 403
    assert ImportJob.objects.count() == 1


def test_the_preview_pages_and_counts_the_whole_file(client_user: Any, monkeypatch: Any) -> None:
    lines = [f"Nome{i};Cognome{i};n{i}@example.com" for i in range(30)]
    lines[27] = "Nome27;Cognome27;sbagliata"
    _upload(client_user, "Nome;Cognome;Email\n" + "\n".join(lines) + "\n")
    job = _job()
    client_user.post(f"/imports/{job.pk}/mapping/", _mapping_post(job))
    first = _text(client_user.get(f"/imports/{job.pk}/preview/"))
    assert 'data-testid="count-bad">1 bad' in first and 'data-testid="count-good">29 good' in first
    assert 'data-testid="bad-cell"' not in first and 'rel="next"' in first
    assert 'data-testid="row-26"' in first and 'data-testid="row-27"' not in first
    second = _text(client_user.get(f"/imports/{job.pk}/preview/?page=2"))
    assert 'data-testid="bad-cell"' in second and "sbagliata" in second
    # A larger file is examined a page at a time, and the counts say so.
    monkeypatch.setattr("perno.web.imports.views.WHOLE_FILE", 10)
    first = _text(client_user.get(f"/imports/{job.pk}/preview/"))
    assert 'data-testid="count-bad">0 bad' in first and "counted on this page" in first
    assert "sbagliata" in _text(client_user.get(f"/imports/{job.pk}/preview/?page=2"))


def test_a_city_without_a_street_is_used_only_to_find_duplicates(client_user: Any) -> None:
    _upload(client_user, "Nome;Cognome;Città\nMario;Rossi;Roma\n")
    job = _job()
    client_user.post(f"/imports/{job.pk}/mapping/", _mapping_post(job))
    page = _text(client_user.get(f"/imports/{job.pk}/preview/"))
    assert 'data-testid="mapping-warning"' in page and "only to find duplicates" in page


def test_undo_leaves_records_changed_since_and_lists_them(
    client_user: Any, user: Any, existing: Contact, django_capture_on_commit_callbacks: Any
) -> None:
    _upload(client_user, CSV)
    job = _job()
    client_user.post(f"/imports/{job.pk}/mapping/", _mapping_post(job))
    with django_capture_on_commit_callbacks(execute=True):
        client_user.post(f"/imports/{job.pk}/run/", {"default": "update", "mode": "good"})
    existing.refresh_from_db()
    contact_update(actor=user, contact=existing, data={"job_title": "Buyer"}, expected_version=None)
    page = _text(client_user.post(f"/imports/{job.pk}/undo/"))
    assert 'data-testid="undo-restored">0<' in page and 'data-testid="undo-removed">1<' in page
    kept = page.split('data-testid="undo-kept"')[1]
    assert f'href="/contacts/{existing.pk}/"' in kept and "Luca Verdi" in kept
    existing.refresh_from_db()
    assert existing.last_name == "Verdi" and existing.job_title == "Buyer"
