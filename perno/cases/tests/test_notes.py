"""Internal notes on a case: added by who may edit the case, on the page and through the
API, refused with the reason (the text kept), in the history, moved by a merge, and
exported, kept or erased with the case's person."""

from __future__ import annotations

import json
import zipfile
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from perno.audit.models import ChangeEntry
from perno.cases import services
from perno.cases.models import Case, CaseNote
from perno.contacts.models import Company
from perno.privacy import archive
from perno.privacy.erasure import erase_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(agents: dict[str, Any], queue: Any, customer: Any) -> Case:
    return services.case_create(
        actor=agents["anna"],
        data={"subject": "Printer jammed", "queue": queue, "contact": customer},
    )


def test_a_note_is_added_by_who_may_edit_and_recorded_in_the_history(agents, case):
    note = services.case_note_add(actor=agents["bruno"], case=case, body="  Called back.  ")
    assert (note.body, note.author, note.case) == ("Called back.", agents["bruno"], case)
    entry = ChangeEntry.objects.filter(object_id=case.pk, changes__has_key="note").get()
    assert entry.changes["note"] == [None, "Called back."]
    with pytest.raises(PermissionDenied):  # another team's agent does not see the case
        services.case_note_add(actor=agents["dario"], case=case, body="Hi")
    for body, words in (("   ", "Write the note first"), ("x" * 20_001, "at most 20,000")):
        with pytest.raises(ValidationError) as refused:
            services.case_note_add(actor=agents["anna"], case=case, body=body)
        assert words in refused.value.message_dict["body"][0]
    assert CaseNote.objects.count() == 1


def test_the_page_shows_the_notes_and_keeps_a_refused_text(client, agents, case):
    client.force_login(agents["anna"])
    url = f"/cases/{case.pk}/"
    assert 'data-testid="no-notes"' in client.get(url).content.decode()
    added = client.post(f"{url}notes/", {"body": "Zqnota <b>toner</b>\nsecond line"})
    assert added.status_code == 302
    page = client.get(url).content.decode()
    assert "Zqnota &lt;b&gt;toner&lt;/b&gt;<br>second line" in page  # escaped, lines kept
    too_long = "y" * 20_001
    refused = client.post(f"{url}notes/", {"body": too_long})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert 'data-testid="note-errors"' in body and too_long in body  # nothing typed is lost
    assert CaseNote.objects.filter(case=case).count() == 1
    client.force_login(agents["dario"])
    assert client.post(f"{url}notes/", {"body": "Intruder"}).status_code == 404
    assert CaseNote.objects.filter(case=case).count() == 1


def test_the_api_lists_and_adds_notes(client, bearer, agents, case):
    url = f"/api/v1/cases/{case.pk}/notes"
    anna = bearer(agents["anna"])
    made = client.post(url, {"body": "Spare part ordered"}, "application/json", headers=anna)
    assert made.status_code == 201, made.content
    assert made.json()["author"]["id"] == agents["anna"].pk
    blank = client.post(url, {"body": "   "}, "application/json", headers=anna)
    assert blank.status_code == 400 and "body" in blank.json()["errors"]
    assert [n["body"] for n in client.get(url, headers=anna).json()] == ["Spare part ordered"]
    assert client.get(url, headers=bearer(agents["dario"])).status_code == 404
    other = client.post(url, {"body": "x"}, "application/json", headers=bearer(agents["dario"]))
    assert other.status_code == 404


def test_a_merge_moves_the_notes_to_the_case_kept(agents, queue, customer, case):
    other = services.case_create(
        actor=agents["anna"],
        data={"subject": "Printer again", "queue": queue, "contact": customer},
    )
    services.case_note_add(actor=agents["anna"], case=other, body="Tried a reset")
    services.case_merge(actor=agents["anna"], target=case, sources=[other])
    assert list(case.notes.values_list("body", flat=True)) == ["Tried a reset"]


def test_notes_are_exported_and_erased_with_the_person_or_redacted_on_a_kept_case(
    make_user, agents, queue, customer, teams, case
):
    acme = Company.objects.create(name="Acme", team=teams["north"])
    shared = services.case_create(
        actor=agents["anna"],
        data={"subject": "Acme login", "queue": queue, "contact": customer, "company": acme},
    )
    services.case_note_add(actor=agents["anna"], case=case, body="Maria prefers mornings")
    kept = services.case_note_add(
        actor=agents["anna"], case=shared, body="Maria Bianchi asked for a callback"
    )
    path, _size, _digest = archive.build(contact=customer)
    with zipfile.ZipFile(path) as found:
        rows = json.loads(found.read("data.json"))["tables"]["cases.casenote"]["rows"]
    assert sorted(r["body"] for r in rows) == [
        "Maria Bianchi asked for a callback",
        "Maria prefers mornings",
    ]
    erase_contact(actor=make_user("dora", role="dpo"), contact=customer)
    assert list(CaseNote.objects.values_list("pk", flat=True)) == [kept.pk]
    body = CaseNote.objects.get(pk=kept.pk).body
    assert "Maria" not in body and "Bianchi" not in body and "callback" in body
