from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from openpyxl import Workbook

from perno.accounts.permissions import restrict
from perno.activities.models import Comment
from perno.activities.services import comment_create
from perno.audit.models import ChangeEntry
from perno.contacts.models import Address, Affiliation, Company, Contact
from perno.contacts.services import company_create, contact_create, contact_update
from perno.imports import people, retention, selectors, services, storage
from perno.imports.entities import spec_of
from perno.imports.links import missing_contact
from perno.imports.models import ImportChange, ImportJob
from perno.imports.services import bad_rows_csv
from perno.privacy.erasure import erase_contact
from perno.privacy.models import Channel, ConsentEvent, DataSource, Notice, Purpose
from perno.sales.models import Lead
from perno.sales.services.leads import lead_create, lead_delete
from perno.search.models import SearchEntry

pytestmark = pytest.mark.django_db(transaction=False)

CONTACTS = (
    "First name,Last name,E-mail,Phone,Company,City,Street\n"
    "Mario,Rossi,mario@example.it,+39 06 1234 5678,Acme Srl,Roma,Via Roma 1\n"
    "Ana,Popescu,ana@example.ro,,Acme Srl,Cluj,Strada 2\n"
)


def test_contacts_are_created_with_company_address_history_index_and_source(
    user: Any, run_import: Any
) -> None:
    job = run_import(user, "contact", CONTACTS, name="people.csv")
    assert job.status == ImportJob.Status.DONE, job.message
    assert (job.created, job.updated, job.skipped, job.failed) == (2, 0, 0, 0)
    mario = Contact.objects.get(email="mario@example.it")
    assert mario.pk > 10_000
    assert mario.phone == "+390612345678"
    assert mario.owner == user
    acme = Company.objects.get(name="Acme Srl")
    assert set(acme.contacts.values_list("last_name", flat=True)) == {"Rossi", "Popescu"}
    assert Address.objects.get(contact=mario).city == "Roma"
    source = DataSource.objects.get(contact=mario)
    assert source.channel == Channel.IMPORT and "people.csv" in source.detail
    assert source.recorded_by == user
    assert (
        ChangeEntry.objects.filter(
            content_type__model="contact", object_id=mario.pk, action="create"
        ).count()
        == 1
    )
    assert SearchEntry.objects.filter(kind="contact", object_id=mario.pk).exists()
    assert sorted(job.created_ids) == ["company", "contact"]


def _bad_csv(job: ImportJob) -> list[list[str]]:
    return list(csv.reader(io.StringIO(bad_rows_csv(job).decode("utf-8-sig"))))


def test_good_rows_are_imported_and_bad_ones_kept_with_their_reason(
    user: Any, run_import: Any
) -> None:
    text = (
        "First name,Last name,E-mail\n"
        "Mario,Rossi,mario@example.it\n"
        "=cmd|' /C calc'!A0,Bianchi,not-an-address\n"
    )
    job = run_import(user, "contact", text)
    assert job.status == ImportJob.Status.DONE
    assert (job.created, job.failed) == (1, 1)
    rows = _bad_csv(job)
    assert rows[0][-2:] == ["line", "reason"]
    assert rows[1][0].startswith("'=")  # neutralised, never a formula
    assert "not-an-address" in rows[1][-1] and "E-mail" in rows[1][-1]
    assert rows[1][-2] == "3"


def test_all_or_nothing_stores_nothing_when_a_row_is_bad(user: Any, run_import: Any) -> None:
    text = "First name,Last name,E-mail\nMario,Rossi,mario@example.it\nLuca,Bianchi,nope\n"
    job = run_import(user, "contact", text, all_or_nothing=True)
    assert job.status == ImportJob.Status.FAILED
    assert "nothing was stored" in job.message
    assert not Contact.objects.exists()
    assert not DataSource.objects.exists()
    assert len(_bad_csv(job)) == 2


def test_a_failure_while_writing_leaves_nothing(
    user: Any, run_import: Any, monkeypatch: Any
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(people, "_addresses", broken)
    before = set(storage.folder().iterdir())
    # With a refused row: its file is made before the write, and removed with the rest.
    job = run_import(user, "contact", CONTACTS + "Bad,Row,not-an-address,,,,\n")
    assert job.status == ImportJob.Status.FAILED
    assert "nothing was stored" in job.message
    assert not Contact.objects.exists() and not Company.objects.exists()
    assert not SearchEntry.objects.filter(kind="contact").exists()
    assert job.errors_path == "" and set(storage.folder().iterdir()) == before


EXISTING = "First name,Last name,E-mail,Phone,External id,City,Street\n"


@pytest.fixture
def mario(user: Any) -> Contact:
    return contact_create(
        actor=user,
        data={
            "first_name": "Mario",
            "last_name": "Rossi",
            "email": "Mario.Rossi@Example.it",
            "phone": "+390612345678",
            "external_id": "C-1",
        },
    )


@pytest.mark.parametrize(
    ("row", "why"),
    [
        ("Mario,Rossi,,,C-1,,", "same external id"),
        ("Mario,Rossi,mario.rossi@example.IT,,,,", "same e-mail"),
        ("Mario,Rossi,,06 1234 5678,,,", "same phone"),
    ],
)
def test_duplicates_are_found_and_skipped_by_default(
    user: Any, mario: Contact, run_import: Any, row: str, why: str
) -> None:
    job = services.import_upload(
        actor=user, entity="contact", name="f.csv", content=(EXISTING + row + "\n").encode()
    )
    job = services.import_map(actor=user, job=job, mapping=job.mapping)
    preview = services.import_preview(actor=user, job=job)
    match = preview.rows[0].duplicate
    assert match is not None and match.object_id == mario.pk and match.why == why
    assert match.visible and match.label == "Mario Rossi"
    job = run_import(user, "contact", EXISTING + row + "\n")
    assert (job.created, job.skipped) == (0, 1)
    assert Contact.objects.count() == 1


def test_fuzzy_name_in_the_same_city(user: Any, run_import: Any) -> None:
    first = run_import(user, "contact", EXISTING + "Mario,Rossi,,,,Roma,Via Appia 1\n")
    assert first.created == 1
    job = run_import(user, "contact", EXISTING + "Mario,Rosi,,,,roma,Via Appia 1\n", name="2.csv")
    assert (job.created, job.skipped) == (0, 1)
    other_city = run_import(
        user, "contact", EXISTING + "Mario,Rosi,,,,Milano,Via Po 2\n", name="3.csv"
    )
    assert other_city.created == 1


def test_duplicates_inside_the_file(user: Any, run_import: Any) -> None:
    text = EXISTING + "Ada,Neri,ada@example.com,,,,\nAda,Neri,ADA@example.com,,,,\n"
    job = run_import(user, "contact", text)
    assert (job.created, job.skipped) == (1, 1)
    again = run_import(user, "contact", text, name="again.csv", per_row={1: "create"})
    # Both rows now match the stored Ada: the first is skipped, the second created anyway.
    assert (again.created, again.skipped) == (1, 1)


def test_update_and_create_anyway_then_undo(user: Any, mario: Contact, run_import: Any) -> None:
    original_email = mario.email
    text = (
        "First name,Last name,E-mail,Job title\n"
        "Mario,Rossi,mario.rossi@example.it,Chef\n"
        "Ada,Neri,ada@example.com,\n"
    )
    job = run_import(user, "contact", text, default="update")
    assert (job.created, job.updated) == (1, 1)
    mario.refresh_from_db()
    assert mario.job_title == "Chef" and mario.email == "mario.rossi@example.it"
    assert mario.version == 2
    result = services.import_undo(actor=user, job=job)
    assert (result.removed, result.restored, result.kept_changed) == (1, 1, [])
    mario.refresh_from_db()
    assert mario.job_title == "" and mario.email == original_email
    assert not Contact.objects.filter(email="ada@example.com").exists()
    assert not SearchEntry.objects.filter(kind="contact", title__contains="Ada").exists()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UNDONE

    # Changed since the import: listed, not touched.
    second = run_import(user, "contact", text, name="second.csv", default="update")
    ada = Contact.objects.get(email="ada@example.com")
    contact_update(actor=user, contact=ada, data={"job_title": "CEO"}, expected_version=1)
    mario.refresh_from_db()
    contact_update(
        actor=user, contact=mario, data={"job_title": "Sous-chef"}, expected_version=mario.version
    )
    result = services.import_undo(actor=user, job=second)
    assert (result.removed, result.restored) == (0, 0)
    assert sorted(k.object_id for k in result.kept_changed) == sorted([ada.pk, mario.pk])
    assert all(k.url for k in result.kept_changed)
    assert Contact.objects.filter(pk=ada.pk).exists()


def test_create_anyway(user: Any, mario: Contact, run_import: Any) -> None:
    job = run_import(
        user, "contact", EXISTING + "Mario,Rossi,,,,,\n".replace(",,,,,", ",,,,,"), default="create"
    )
    job = run_import(
        user,
        "contact",
        "First name,Last name,E-mail\nMario,Rossi,mario.rossi@example.it\n",
        name="x.csv",
        default="create",
    )
    assert job.created == 1
    assert Contact.objects.filter(last_name="Rossi").count() >= 2


def test_a_match_the_user_may_not_see_is_a_placeholder(
    user: Any, make_user: Any, run_import: Any
) -> None:
    other = make_user("marco", team="Vendite Sud")  # another team: giulia cannot see it
    hidden = contact_create(
        actor=other,
        data={"first_name": "Segreto", "last_name": "Nascosto", "email": "s@example.com"},
    )
    text = "First name,Last name,E-mail\nX,Y,S@example.com\n"
    job = services.import_upload(actor=user, entity="contact", name="f.csv", content=text.encode())
    job = services.import_map(actor=user, job=job, mapping=job.mapping)
    match = services.import_preview(actor=user, job=job).rows[0].duplicate
    assert match is not None and not match.visible and not match.editable
    assert match.label == "" and match.url == ""
    refused = run_import(user, "contact", text, name="g.csv", default="update")
    assert refused.failed == 1 and refused.updated == 0
    hidden.refresh_from_db()
    assert hidden.first_name == "Segreto"


def test_an_erased_person_is_not_created_again(
    user: Any, admin_user: Any, run_import: Any, mario: Contact
) -> None:
    erase_contact(actor=admin_user, contact=mario)
    job = run_import(
        user,
        "contact",
        "First name,Last name,E-mail\nMario,Rossi,mario.rossi@example.it\nAda,Neri,ada@example.com\n",
    )
    assert (job.created, job.failed) == (1, 1)
    refused = _bad_csv(job)[1]
    assert "asked to be forgotten" in refused[-1]
    # The refused-rows file keeps nothing of them but the line number and why.
    assert refused[:3] == ["", "", ""] and refused[-2] == "2"


def test_consent_columns_become_consents_with_their_proof(user: Any, run_import: Any) -> None:
    purpose = Purpose.objects.create(code="fair-2027", name="Fair 2027", legal_basis="consent")
    text = (
        "First name,Last name,E-mail,Consent: Fair 2027\n"
        "Ada,Neri,ada@example.com,yes\n"
        "Luca,Bo,luca@example.com,no\n"
    )
    blocked = run_import(user, "contact", text, name="before-notice.csv")
    assert blocked.failed == 1 and "no published notice" in _bad_csv(blocked)[1][-1]
    Contact.objects.all().delete()
    Notice.objects.create(purpose=purpose, version="1", language="it", text="Inviti alla fiera.")
    job = run_import(user, "contact", text, name="consents.csv")
    assert job.created == 2, job.message
    given = ConsentEvent.objects.get(contact__email="ada@example.com")
    assert given.kind == "given" and given.channel == Channel.IMPORT
    assert "consents.csv" in given.source and given.notice_text == "Inviti alla fiera."
    assert given.recorded_by == user
    assert ConsentEvent.objects.get(contact__email="luca@example.com").kind == "withdrawn"


def test_a_mapping_without_a_required_field_is_refused(user: Any) -> None:
    job = services.import_upload(
        actor=user, entity="contact", name="f.csv", content=b"Name,E-mail\nMario,m@example.com\n"
    )
    with pytest.raises(ValidationError) as refused:
        services.import_map(actor=user, job=job, mapping={"Name": "first_name", "E-mail": "email"})
    assert "Last name" in str(refused.value)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UPLOADED


def test_the_same_file_twice_at_once_is_refused(user: Any, make_user: Any) -> None:
    def queued(actor: Any = user) -> ImportJob:
        job = services.import_upload(
            actor=actor, entity="contact", name="f.csv", content=CONTACTS.encode()
        )
        return services.import_map(actor=actor, job=job, mapping=job.mapping)

    first, second = queued(), queued()
    services.import_start(actor=user, job=first)  # queued: its task runs after the commit
    with pytest.raises(ValidationError) as refused:
        services.import_start(actor=user, job=second)
    assert "already being imported" in str(refused.value)
    assert f"import {first.pk}" in str(refused.value)
    # Someone else is told the same, without the other user's import.
    colleague = make_user("sara", team="Vendite Nord")
    with pytest.raises(ValidationError) as refused:
        services.import_start(actor=colleague, job=queued(colleague))
    assert "by someone else" in str(refused.value) and str(first.pk) not in str(refused.value)


def test_an_import_whose_worker_died_is_failed_and_its_table_removed(
    user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    job = services.import_upload(
        actor=user, entity="contact", name="f.csv", content=CONTACTS.encode()
    )
    job = services.import_map(actor=user, job=job, mapping=job.mapping)
    services.import_start(actor=user, job=job)  # queued; no worker takes it
    table = storage.folder() / job.table_path
    assert table.exists()
    assert retention.purge_expired()["stopped"] == 0  # not stale yet
    ImportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - retention.STALE_AFTER - timedelta(minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert retention.purge_expired()["stopped"] == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "nothing was stored" in job.message
    assert job.table_path == "" and not table.exists()
    # The same file can be started again.
    again = services.import_upload(
        actor=user, entity="contact", name="f.csv", content=CONTACTS.encode()
    )
    again = services.import_map(actor=user, job=again, mapping=again.mapping)
    services.import_start(actor=user, job=again)


def test_rights(user: Any, make_user: Any) -> None:
    helper = make_user("sara", role="support")
    with pytest.raises(PermissionDenied):
        services.import_upload(actor=helper, entity="deal", name="d.csv", content=b"Title\nX\n")
    job = services.import_upload(
        actor=user, entity="contact", name="f.csv", content=CONTACTS.encode()
    )
    with pytest.raises(Http404):
        selectors.import_get(user=helper, pk=job.pk)
    with pytest.raises(ImportJob.DoesNotExist):
        services.import_map(actor=helper, job=job, mapping=job.mapping)
    assert not selectors.import_list(user=helper).exists()


ENTITY_FILES = {
    "company": (
        "Ragione sociale,Partita IVA,E-mail,Città,Indirizzo\n"
        "Alfa Srl,IT00743110157,info@alfa.it,Milano,Via Dante 1\n",
        {"name": "Alfa Srl", "vat_number": "IT00743110157"},
    ),
    "lead": (
        "Nume,Prenume,Companie,E-mail\nIonescu,Maria,Beta SRL,maria@beta.ro\n",
        {"last_name": "Ionescu", "first_name": "Maria", "company_name": "Beta SRL"},
    ),
    "deal": (
        'Title,Amount,Expected close date,Company (name)\nRinnovo 2027,"1.234,50",31/01/2027,Gamma Spa\n',
        {"title": "Rinnovo 2027"},
    ),
    "product": (
        'Nome,Codice,Prezzo\nCavo USB,USB-1,"12,30"\n',
        {"name": "Cavo USB", "sku": "USB-1"},
    ),
    "activity": (
        "Subject,Type,Due,Contact (e-mail)\nChiamare Mario,Call,2027-02-01 10:00,m@delta.it\n",
        {"subject": "Chiamare Mario"},
    ),
    "order": (
        'Number,Date,Total,Customer (external id)\nA-100,2026-11-30,"99,90",CUST-9\n',
        {"number": "A-100"},
    ),
}


@pytest.mark.parametrize("entity", sorted(ENTITY_FILES))
def test_every_record_type_imports_with_the_suggested_mapping(
    entity: str, admin_user: Any, pipeline: Any, run_import: Any
) -> None:
    text, expected = ENTITY_FILES[entity]
    if entity == "deal":
        company_create(actor=admin_user, data={"name": "Gamma Spa"})
    if entity == "activity":
        contact_create(
            actor=admin_user, data={"first_name": "M", "last_name": "D", "email": "m@delta.it"}
        )
    if entity == "order":
        contact_create(
            actor=admin_user, data={"first_name": "C", "last_name": "N", "external_id": "CUST-9"}
        )
    job = run_import(admin_user, entity, text, name=f"{entity}.csv")
    assert job.status == ImportJob.Status.DONE, (job.message, _bad_csv(job) if job.failed else "")
    assert (job.created, job.failed) == (1, 0), (job.mapping, _bad_csv(job) if job.failed else "")
    model = spec_of(entity).model
    record: Any = model._default_manager.get(**expected)
    assert record.pk > 10_000
    if entity == "deal":
        assert str(record.amount) == "1234.50"
        assert str(record.expected_close_date) == "2027-01-31"
        assert record.company is not None and record.company.name == "Gamma Spa"
    if entity == "activity":
        assert record.contact is not None and record.contact.email == "m@delta.it"
    if entity == "order":
        assert str(record.total) == "99.90" and record.contact.external_id == "CUST-9"
    if entity == "company":
        assert Address.objects.get(company=record).city == "Milano"
    if spec_of(entity).searchable:
        assert SearchEntry.objects.filter(kind=entity, object_id=record.pk).exists()
    assert services.import_undo(actor=admin_user, job=job).removed >= 1
    assert not model._default_manager.filter(**expected).exists()


def test_xlsx_and_vcard_files(admin_user: Any, django_capture_on_commit_callbacks: Any) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Nome", "Cognome", "Email"])
    sheet.append(["Lucia", "Verdi", "lucia@example.it"])
    buffer = io.BytesIO()
    book.save(buffer)
    job = services.import_upload(
        actor=admin_user, entity="contact", name="people.xlsx", content=buffer.getvalue()
    )
    job = services.import_map(actor=admin_user, job=job, mapping=job.mapping)
    with django_capture_on_commit_callbacks(execute=True):
        services.import_start(actor=admin_user, job=job)
    assert Contact.objects.filter(email="lucia@example.it", last_name="Verdi").exists()

    card = (
        "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ion Popa\r\nN:Popa;Ion;;;\r\n"
        "EMAIL:ion@example.ro\r\nTEL:+40 21 123 4567\r\nORG:Omega SRL\r\nEND:VCARD\r\n"
    )
    job = services.import_upload(
        actor=admin_user, entity="contact", name="ion.vcf", content=card.encode()
    )
    job = services.import_map(actor=admin_user, job=job, mapping=job.mapping)
    with django_capture_on_commit_callbacks(execute=True):
        services.import_start(actor=admin_user, job=job)
    ion = Contact.objects.get(email="ion@example.ro")
    assert (ion.first_name, ion.last_name, ion.phone) == ("Ion", "Popa", "+40211234567")
    assert ion.companies.get().name == "Omega SRL"


def test_undo_keeps_what_others_linked_records_to_since(
    user: Any, make_user: Any, run_import: Any
) -> None:
    """The import created Ada, Bruno and their company Acme. Since then a colleague
    commented on Bruno and filed Acme's contact Carla: undo removes Ada only; Bruno and
    Acme are kept and listed, and the colleague's comment and Carla's link stay."""
    text = (
        "First name,Last name,E-mail,Company\n"
        "Ada,Neri,ada@example.com,Acme Srl\n"
        "Bruno,Verdi,bruno@example.com,Acme Srl\n"
    )
    job = run_import(user, "contact", text)
    assert job.created_ids.get("company"), job.created_ids
    acme = Company.objects.get(name="Acme Srl")
    bruno = Contact.objects.get(email="bruno@example.com")
    colleague = make_user("sara", team="Vendite Nord")
    comment = comment_create(actor=user, target=bruno, body="Chiamato ieri")
    carla = contact_create(actor=colleague, data={"first_name": "Carla", "last_name": "Blu"})
    Affiliation.objects.create(contact=carla, company=acme)
    result = services.import_undo(actor=user, job=job)
    assert result.removed == 1
    kept = {(k.kind, k.object_id) for k in result.kept_changed}
    assert kept == {("contact", bruno.pk), ("company", acme.pk)}
    assert all("since the import" in k.why for k in result.kept_changed)
    assert not Contact.objects.filter(email="ada@example.com").exists()
    assert Comment.objects.filter(pk=comment.pk).exists()
    assert Affiliation.objects.filter(contact=carla, company=acme).exists()


def test_a_link_to_a_record_out_of_sight_reads_as_not_stored(
    user: Any, make_user: Any, pipeline: Any
) -> None:
    """The preview tells a contact the user may not see from no contact at all by
    neither: both are "not stored" (no oracle over other teams' e-mail addresses)."""
    other = make_user("andrei", team="Vânzări București")
    hidden = contact_create(
        actor=other, data={"first_name": "Ion", "last_name": "Pop", "email": "ion@x.ro"}
    )
    assert not restrict(Contact.objects.filter(pk=hidden.pk), user, "view").exists()
    text = "Title,Contact (e-mail)\nUno,ion@x.ro\nDue,nessuno@x.ro\n"
    job = services.import_upload(actor=user, entity="deal", name="d.csv", content=text.encode())
    job = services.import_map(actor=user, job=job, mapping=job.mapping)
    preview = services.import_preview(actor=user, job=job, offset=0, limit=10)
    problems = [row.problems.get("contact_email") for row in preview.rows]
    assert problems == [missing_contact(k) for k in ("ion@x.ro", "nessuno@x.ro")]


def test_the_undo_data_of_a_lead_deleted_since_goes_with_the_hourly_purge(
    user: Any, run_import: Any
) -> None:
    lead = lead_create(
        actor=user, data={"first_name": "Ana", "last_name": "Pop", "email": "ana@pop.ro"}
    )
    job = run_import(
        user, "lead", "First name,Last name,E-mail,Job title\nAna,Pop,ana@pop.ro,CEO\n",
        default="update",
    )  # fmt: skip
    assert job.updated == 1
    assert ImportChange.objects.filter(kind="lead", object_id=lead.pk).exists()
    assert retention.purge_expired()["undo_data"] == 0  # the lead is still there
    lead_delete(actor=user, lead=Lead.objects.get(pk=lead.pk))
    assert retention.purge_expired()["undo_data"] == 1
    assert not ImportChange.objects.filter(kind="lead", object_id=lead.pk).exists()
