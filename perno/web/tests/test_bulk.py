"""Bulk edit and bulk delete (issue 20, point 7): the selection (ticked ids or every
record matching a filter), the gate per record, all-or-nothing on invalid values,
background runs for large selections, and hostile input."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from perno.activities.models import Activity
from perno.activities.services import activity_create
from perno.audit.models import AuditEvent, ChangeEntry
from perno.contacts.models import Contact
from perno.contacts.services import contact_create, contact_update
from perno.records.bulkedit import Selection, bulk_delete, bulk_update, parse_changes
from perno.records.bulkjobs import bulk_start
from perno.records.models import BulkJob
from perno.sales import services as sales
from perno.sales.models import Deal, Lead
from perno.search.models import SearchEntry, SearchWord

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(user, make_user):
    """Giulia's own contacts, a teammate's (visible, not editable for the sales role) and
    another team's (invisible)."""
    mate = make_user("marco", team="Vendite Nord")
    other = make_user("olga", team="Vendite Sud")
    own = [
        contact_create(actor=user, data={"first_name": f"Anna{n}", "last_name": "Rossi"})
        for n in range(3)
    ]
    mates = [contact_create(actor=mate, data={"first_name": "Bruno", "last_name": "Neri"})]
    hidden = [contact_create(actor=other, data={"first_name": "Carla", "last_name": "Bianchi"})]
    return {"own": own, "mate": mate, "other": other, "mates": mates, "hidden": hidden}


def _ids(records):
    return [r.pk for r in records]


def test_owner_changes_through_the_services_and_skips_what_the_user_may_not_edit(user, people):
    target = people["mate"]
    selection = Selection(ids=_ids(people["own"] + people["mates"]))
    result = bulk_update(
        actor=user,
        subject="contact",
        selection=selection,
        changes=parse_changes("contact", {"owner": target.pk, "add_tags": ["vip"]}),
    )
    assert result.changed == 3
    assert result.skipped == {"rights": [people["mates"][0].pk]}
    for contact in Contact.objects.filter(pk__in=_ids(people["own"])):
        assert contact.owner_id == target.pk
        assert contact.version == 2
        assert [t.name for t in contact.tags.all()] == ["vip"]
        entry = ChangeEntry.objects.filter(object_id=contact.pk, action="update").get()
        assert entry.changes["owner"][1] == str(target) or entry.changes["owner"]
        # the index follows the new owner (its access columns)
        assert SearchEntry.objects.get(kind="contact", object_id=contact.pk).owner_id == target.pk
    assert AuditEvent.objects.filter(action="update").count() == 3


def test_ids_the_user_cannot_see_change_nothing_and_reveal_nothing(user, people):
    hidden = people["hidden"][0]
    before = Contact.objects.get(pk=hidden.pk)
    result = bulk_update(
        actor=user,
        subject="contact",
        selection=Selection(ids=[hidden.pk, 10_999_999]),
        changes=parse_changes("contact", {"owner": user.pk}),
    )
    assert result.selected == 0 and result.changed == 0 and result.skipped == {}
    after = Contact.objects.get(pk=hidden.pk)
    assert (after.owner_id, after.version) == (before.owner_id, before.version)
    with pytest.raises(ValidationError) as exc:
        bulk_start(
            actor=user,
            subject="contact",
            action="edit",
            selection=Selection(ids=[hidden.pk]),
            changes={"owner": user.pk},
        )
    assert "None of the selected records" in str(exc.value)


def test_everything_matching_the_filter_minus_the_unticked(user, people):
    _first, second, third = people["own"]
    result = bulk_update(
        actor=user,
        subject="contact",
        selection=Selection(everything=True, filters={"q": "Rossi"}, exclude=[second.pk]),
        changes=parse_changes("contact", {"add_tags": "a, b"}),
    )
    assert result.changed == 2
    assert not second.__class__.objects.get(pk=second.pk).tags.exists()
    assert {t.name for t in Contact.objects.get(pk=third.pk).tags.all()} == {"a", "b"}
    result = bulk_update(
        actor=user,
        subject="contact",
        selection=Selection(everything=True, filters={"q": "Rossi"}),
        changes=parse_changes("contact", {"remove_tags": ["a"]}),
    )
    assert result.changed == 2 and result.unchanged == 1
    assert {t.name for t in Contact.objects.get(pk=third.pk).tags.all()} == {"b"}


def test_a_stale_version_is_skipped_and_left_alone(user, people):
    first, second, _third = people["own"]
    contact_update(actor=user, contact=first, data={"job_title": "CEO"}, expected_version=1)
    result = bulk_update(
        actor=user,
        subject="contact",
        selection=Selection(ids=[first.pk, second.pk], versions={first.pk: 1, second.pk: 1}),
        changes=parse_changes("contact", {"owner": people["mate"].pk}),
    )
    assert result.changed == 1 and result.skipped == {"stale": [first.pk]}
    assert Contact.objects.get(pk=first.pk).owner_id == user.pk


def test_bad_requests_are_refused_whole(user, people):
    for raw, field in [
        ({}, "changes"),
        ({"email": "x@example.com"}, "email"),
        ({"owner": 10_999_999}, "owner"),
        ({"owner": "abc"}, "owner"),
        ({"stage": 1}, "stage"),
        ({"status": "new"}, "status"),
        ({"add_tags": ["x" * 61]}, None),
    ]:
        try:
            changes = parse_changes("contact", raw)
            bulk_update(
                actor=user,
                subject="contact",
                selection=Selection(ids=_ids(people["own"])),
                changes=changes,
            )
        except ValidationError as exc:
            if field:
                assert field in exc.message_dict, (raw, exc.message_dict)
        else:
            pytest.fail(f"accepted {raw}")
    with pytest.raises(ValidationError, match="Nothing is selected"):
        bulk_update(
            actor=user,
            subject="contact",
            selection=Selection(),
            changes=parse_changes("contact", {"owner": user.pk}),
        )
    with pytest.raises(ValidationError):
        parse_changes("invoice", {"owner": user.pk})
    assert not Contact.objects.filter(tags__isnull=False).exists()


def test_an_invalid_record_rolls_the_whole_change_back_naming_it(user, admin_user, pipeline):
    other = sales.pipeline_create(actor=admin_user, name="Altro", stages=[("Uno", 10, "open")])
    deals = [
        sales.deal_create(actor=user, data={"title": f"Affare {n}", "pipeline": pipeline})
        for n in range(2)
    ]
    odd = sales.deal_create(actor=user, data={"title": "Altrove", "pipeline": other})
    offer = pipeline.stages.get(name="Offerta")
    with pytest.raises(ValidationError) as exc:
        bulk_update(
            actor=user,
            subject="deal",
            selection=Selection(ids=_ids([*deals, odd])),
            changes=parse_changes("deal", {"stage": offer.pk, "owner": user.pk}),
        )
    message = " ".join(exc.value.messages)
    assert f"#{odd.pk}" in message and "Altrove" in message and "stage" in message
    assert set(Deal.objects.values_list("version", flat=True)) == {1}
    result = bulk_update(
        actor=user,
        subject="deal",
        selection=Selection(ids=_ids(deals)),
        changes=parse_changes("deal", {"stage": offer.pk}),
    )
    assert result.changed == 2
    assert set(Deal.objects.filter(pk__in=_ids(deals)).values_list("probability", flat=True)) == {
        50
    }


def test_status_of_leads_and_activities(user):
    leads = [sales.lead_create(actor=user, data={"last_name": f"L{n}"}) for n in range(2)]
    bulk_update(
        actor=user,
        subject="lead",
        selection=Selection(ids=_ids(leads)),
        changes=parse_changes("lead", {"status": "qualified"}),
    )
    assert set(Lead.objects.values_list("status", flat=True)) == {"qualified"}
    with pytest.raises(ValidationError):
        parse_changes("lead", {"status": "converted"})
    task = activity_create(actor=user, data={"kind": "task", "subject": "Chiamare"})
    bulk_update(
        actor=user,
        subject="activity",
        selection=Selection(ids=[task.pk]),
        changes=parse_changes("activity", {"status": "done"}),
    )
    task = Activity.objects.get(pk=task.pk)
    assert task.status == "done" and task.completed_at is not None


def test_bulk_delete_under_the_delete_right(user, people):
    own, mates = people["own"], people["mates"]
    result = bulk_delete(
        actor=user, subject="contact", selection=Selection(ids=_ids(own[:2] + mates))
    )
    assert result.changed == 2 and result.skipped == {"rights": [mates[0].pk]}
    assert not Contact.objects.filter(pk__in=_ids(own[:2])).exists()
    assert Contact.objects.filter(pk=mates[0].pk).exists()
    assert not SearchEntry.objects.filter(kind="contact", object_id__in=_ids(own[:2])).exists()
    assert ChangeEntry.objects.filter(action="delete").count() == 2


def test_a_role_without_the_right_is_refused(make_user, people):
    auditor = make_user("audrey", role="auditor")
    with pytest.raises(PermissionDenied):
        bulk_start(
            actor=auditor,
            subject="contact",
            action="edit",
            selection=Selection(ids=_ids(people["own"])),
            changes={"add_tags": ["x"]},
        )


def test_large_selections_run_in_the_background_with_a_result(
    user, people, settings, django_capture_on_commit_callbacks
):
    settings.PERNO_BULK_SYNC_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        started = bulk_start(
            actor=user,
            subject="contact",
            action="edit",
            selection=Selection(ids=_ids(people["own"] + people["mates"])),
            changes={"add_tags": ["bulk"]},
        )
    assert started.job is not None
    job = BulkJob.objects.get(pk=started.job.pk)  # the task ran (eager) after the commit
    assert job.status == "done", job.message
    assert job.result["changed"] == 3 and job.result["skipped"] == 1
    assert "Changed 3 of 4" in job.message


# --- the list pages ----------------------------------------------------------------------


def test_the_list_page_offers_the_selection_and_the_bulk_form(client_user, people):
    page = client_user.get("/contacts/").content.decode()
    assert 'data-testid="bulk-form"' in page and "data-bulk-page" in page
    fields = client_user.get("/bulk/contacts/form/").content.decode()
    assert 'name="owner"' in fields and 'name="add_tags"' in fields
    for contact in people["own"]:
        assert f'name="ids" value="{contact.pk}"' in page
    # the auditor may neither edit nor delete: no selection at all
    for path in ("/companies/", "/leads/", "/deals/", "/products/", "/activities/", "/orders/"):
        assert client_user.get(path).status_code == 200, path


def _post(client, path, data):
    return client.post(path, {"next": "/contacts/", "as_of": "", **data})


def test_bulk_edit_from_the_page_selecting_everything_matching(client_user, user, people):
    response = _post(
        client_user,
        "/bulk/contacts/",
        {
            "action": "edit",
            "everything": "1",
            "query": "q=Rossi",
            "exclude": [str(people["own"][0].pk)],
            "owner": str(people["mate"].pk),
        },
    )
    assert response.status_code == 302 and response["Location"] == "/contacts/"
    owners = dict(Contact.objects.values_list("pk", "owner_id"))
    assert owners[people["own"][0].pk] == user.pk
    assert owners[people["own"][1].pk] == owners[people["own"][2].pk] == people["mate"].pk
    page = client_user.get("/contacts/").content.decode()
    assert "Changed 2 of 2 selected records." in page


def test_bulk_delete_asks_for_confirmation_with_the_count(client_user, people):
    ids = [str(c.pk) for c in people["own"]] + [str(people["mates"][0].pk)]
    response = _post(client_user, "/bulk/contacts/", {"action": "delete", "ids": ids})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Delete 4 records from Contacts?" in page
    assert Contact.objects.count() == 5
    response = _post(
        client_user, "/bulk/contacts/", {"action": "delete", "ids": ids, "confirm": "1"}
    )
    assert response.status_code == 302
    assert Contact.objects.count() == 2  # the teammate's and the other team's stay
    page = client_user.get("/contacts/").content.decode()
    assert "Deleted 3 of 4 selected records." in page and "Skipped 1" in page


def test_bad_bulk_requests_from_the_page(client_user, people):
    hidden = people["hidden"][0]
    cases = [
        ({"action": "edit", "ids": [str(hidden.pk)], "owner": ""}, "Choose at least one change"),
        ({"action": "edit", "ids": [], "add_tags": "x"}, "Nothing is selected"),
        ({"action": "edit", "ids": ["abc"], "add_tags": "x"}, "whole numbers"),
        ({"action": "edit", "ids": [str(hidden.pk)], "add_tags": "x"}, "None of the selected"),
        ({"action": "explode", "ids": [str(hidden.pk)]}, "action"),
        ({"action": "edit", "ids": ["1"], "add_tags": "x", "as_of": "yesterday"}, "Reload"),
    ]
    for data, expected in cases:
        response = _post(client_user, "/bulk/contacts/", data)
        assert response.status_code == 400, data
        assert expected in response.content.decode(), (data, response.content.decode()[-800:])
    assert client_user.post("/bulk/surveys/", {"action": "edit"}).status_code == 404
    assert client_user.post("/bulk/nothing/", {"action": "edit"}).status_code == 404
    assert not Contact.objects.filter(tags__isnull=False).exists()


def test_csrf_is_required(user, people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(
        "/bulk/contacts/", {"action": "delete", "ids": [str(people["own"][0].pk)], "confirm": "1"}
    )
    assert response.status_code == 403
    assert Contact.objects.filter(pk=people["own"][0].pk).exists()


def test_the_progress_page_of_a_background_change(
    client_user, make_user, people, settings, django_capture_on_commit_callbacks
):
    settings.PERNO_BULK_SYNC_ROWS = 2
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            client_user,
            "/bulk/contacts/",
            {"action": "edit", "everything": "1", "query": "", "add_tags": "tutti"},
        )
    assert response.status_code == 302 and response["Location"].startswith("/bulk/jobs/")
    page = client_user.get(response["Location"]).content.decode()
    assert "Changed 3 of 4 selected records." in page
    other = logged_in(make_user("pietro", team="Vendite Nord"))
    assert other.get(response["Location"]).status_code == 404


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_api_refuses_a_selection_time_without_its_offset(api, user, people):
    """A time without a UTC offset cannot be compared with when records changed: a clear
    400, nothing changed (not a server error)."""
    ids = _ids(people["own"])
    body = {
        "selection": {"ids": ids, "as_of": "2030-01-01T00:00:00"},
        "changes": {"add_tags": ["x"]},
    }
    answer = api.post("/api/v1/bulk/contact/edit", body)
    assert answer.status_code == 400, answer.content
    assert "UTC offset" in answer.content.decode()
    assert not Contact.objects.filter(tags__isnull=False).exists()
    body["selection"]["as_of"] = "2030-01-01T00:00:00+01:00"
    answer = api.post("/api/v1/bulk/contact/edit", body)
    assert answer.status_code == 200, answer.content
    assert Contact.objects.filter(pk__in=ids, tags__name="x").count() == len(ids)


def test_a_bulk_change_prunes_the_vocabulary_once_at_the_end(user, people):
    """The words of the entries a bulk edit or delete replaced leave the typo vocabulary
    (names are personal data) when the whole change is done, not after every record;
    a word another entry still holds stays."""
    renamed = contact_create(actor=user, data={"first_name": "Ottavia", "last_name": "Zebedei"})
    keeper = contact_create(actor=user, data={"first_name": "Ottavia", "last_name": "Neri"})
    with CaptureQueriesContext(connection) as statements:
        result = bulk_update(
            actor=user,
            subject="contact",
            selection=Selection(ids=[renamed.pk, *_ids(people["own"])]),
            changes=parse_changes("contact", {"add_tags": ["fiera"]}),
        )
    assert result.changed == 1 + len(people["own"])
    prunes = [
        q for q in statements.captured_queries if q["sql"].startswith("DELETE FROM search_word")
    ]
    assert len(prunes) == 1  # once for the whole change
    bulk_delete(actor=user, subject="contact", selection=Selection(ids=[renamed.pk]))
    words = set(SearchWord.objects.values_list("word", flat=True))
    assert "zebedei" not in words and "ottavia" in words  # Neri's entry still holds it
    assert Contact.objects.filter(pk=keeper.pk).exists()
