"""The merge pages and API operations: compare, merge, redirect, undo, rights."""

import pytest
from django.urls import reverse

from perno.contacts import services as contact_services
from perno.contacts.models import Company, Contact
from perno.merging.models import Merge
from perno.merging.services import record_merge

pytestmark = pytest.mark.django_db


def two(user, **other):
    one = contact_services.contact_create(
        actor=user, data={"first_name": "Anna", "last_name": "Neri", "job_title": "CEO"}
    )
    dup = contact_services.contact_create(
        actor=user,
        data={"first_name": "Ana", "last_name": "Neri", "email": "anna@neri.it", **other},
    )
    return one, dup


def compare_url(kind, survivor, merged):
    return reverse(
        "merging:merge_compare", kwargs={"kind": kind, "survivor_pk": survivor, "merged_pk": merged}
    )


def test_the_compare_page_shows_both_records_and_merges_with_the_chosen_values(client_user, user):
    one, dup = two(user)
    start = client_user.get(reverse("merging:merge_start", args=["contact", one.pk]))
    assert start.status_code == 200
    picked = client_user.get(
        reverse("merging:merge_start", args=["contact", one.pk]), {"other": dup.pk, "keep": "this"}
    )
    assert picked.status_code == 302 and picked["Location"] == compare_url(
        "contact", one.pk, dup.pk
    )
    page = client_user.get(picked["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "anna@neri.it" in html and 'name="pick_first_name"' in html
    assert 'id="m_email" value="merged" checked' in html  # empty on the survivor
    assert "Activities" in html or "Nothing is linked" in html
    done = client_user.post(
        page.request["PATH_INFO"],
        {
            "pick_first_name": "merged",
            "survivor_version": one.version,
            "merged_version": dup.version,
        },
    )
    merge = Merge.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse(
        "merging:merge_detail", args=[merge.pk]
    )
    one.refresh_from_db()
    assert (one.first_name, one.email, one.job_title) == ("Ana", "anna@neri.it", "CEO")
    detail = client_user.get(done["Location"])
    assert detail.status_code == 200 and b'data-testid="undo"' in detail.content
    record = client_user.get(reverse("contacts:contact_detail", args=[one.pk]))
    assert (
        b'data-testid="merges"' in record.content and b'data-testid="merge-with"' in record.content
    )


def test_a_stale_version_on_the_page_is_a_409_and_nothing_changes(client_user, user):
    one, dup = two(user)
    contact_services.contact_update(
        actor=user, contact=dup, data={"job_title": "CTO"}, expected_version=dup.version
    )
    response = client_user.post(
        compare_url("contact", one.pk, dup.pk),
        {"survivor_version": one.version, "merged_version": 1},
    )
    assert response.status_code == 409 and b'data-testid="conflict"' in response.content
    assert Contact.objects.filter(pk=dup.pk).exists()


def test_a_bad_choice_on_the_page_is_a_400_naming_the_field(client_user, user):
    one, dup = two(user)
    response = client_user.post(compare_url("contact", one.pk, dup.pk), {"pick_email": "both"})
    assert response.status_code == 400 and b"email" in response.content
    assert Contact.objects.filter(pk=dup.pk).exists()


def test_the_old_page_redirects_to_the_survivor_for_who_may_see_it(
    client_user, client, user, make_user
):
    one, dup = two(user)
    record_merge(actor=user, kind="contact", survivor=one, merged=dup)
    response = client_user.get(reverse("contacts:contact_detail", args=[dup.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:contact_detail", args=[one.pk])
    stranger = make_user("stranger", team="Sud")
    client.force_login(stranger)
    assert client.get(reverse("contacts:contact_detail", args=[dup.pk])).status_code == 404
    assert client.get(reverse("contacts:contact_detail", args=[10_999_999])).status_code == 404


def test_hostile_ids_and_other_teams_records_are_404_on_the_pages(client_user, user, make_user):
    one, _dup = two(user)
    theirs = contact_services.contact_create(
        actor=make_user("other", team="Sud"), data={"first_name": "X", "last_name": "Y"}
    )
    for url in (
        compare_url("contact", one.pk, theirs.pk),
        compare_url("contact", one.pk, 10_999_999),
        compare_url("deal", one.pk, 10_999_999),
        reverse("merging:merge_start", args=["contact", theirs.pk]),
        reverse("merging:merge_detail", args=[10_999_999]),
    ):
        assert client_user.get(url).status_code == 404, url
    assert client_user.post(compare_url("contact", one.pk, theirs.pk)).status_code == 404
    assert Contact.objects.filter(pk=theirs.pk).exists()


def test_without_the_right_to_delete_the_page_says_why_and_refuses(client, user, make_user):
    one, dup = two(user)
    helper = make_user("helper", role="support", team="Vendite Nord")
    client.force_login(helper)
    page = client.get(compare_url("contact", one.pk, dup.pk))
    assert page.status_code == 200 and b'data-testid="denied"' in page.content
    assert client.post(compare_url("contact", one.pk, dup.pk)).status_code == 403
    assert Contact.objects.filter(pk=dup.pk).exists()


def test_undo_from_the_page_brings_the_record_back(client_user, user):
    one, dup = two(user)
    merge = record_merge(actor=user, kind="contact", survivor=one, merged=dup)
    response = client_user.post(reverse("merging:merge_undo", args=[merge.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:contact_detail", args=[dup.pk])
    assert Contact.objects.filter(pk=dup.pk).exists()
    again = client_user.post(reverse("merging:merge_undo", args=[merge.pk]), follow=True)
    assert b"can no longer be undone" in again.content


def test_the_api_merges_reads_and_undoes(api, user):
    one, dup = two(user)
    response = api.post(
        "/api/v1/merges",
        {
            "kind": "contact",
            "survivor": one.pk,
            "merged": dup.pk,
            "choices": {"first_name": {"from": "merged"}, "job_title": {"value": "CEO"}},
            "survivor_version": one.version,
            "merged_version": dup.version,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["survivor"] == one.pk and body["merged"] == dup.pk and body["undoable"]
    assert "first_name" in body["chosen"]
    gone = api.get(f"/api/v1/contacts/{dup.pk}")
    assert gone.status_code == 404
    assert gone.json()["merged_into"] == one.pk
    assert gone.json()["location"] == f"/api/v1/contacts/{one.pk}"
    assert api.get(f"/api/v1/merges/{body['id']}").json()["id"] == body["id"]
    undone = api.post(f"/api/v1/merges/{body['id']}/undo")
    assert undone.status_code == 200 and undone.json()["undone_at"]
    assert api.get(f"/api/v1/contacts/{dup.pk}").status_code == 200
    assert api.post(f"/api/v1/merges/{body['id']}/undo").status_code == 400


def test_the_api_names_bad_choices_and_refuses_stale_versions(api, user):
    one, dup = two(user)
    bad = api.post(
        "/api/v1/merges",
        {
            "kind": "contact",
            "survivor": one.pk,
            "merged": dup.pk,
            "choices": {"shoe_size": {"from": "merged"}, "email": {"value": "x@y.it"}},
        },
    )
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"choices.shoe_size", "choices.email"}
    stale = api.post(
        "/api/v1/merges",
        {"kind": "contact", "survivor": one.pk, "merged": dup.pk, "merged_version": 99},
    )
    assert stale.status_code == 409 and stale.json()["current_version"] == dup.version
    assert Contact.objects.count() == 2 and not Merge.objects.exists()


def test_the_api_refuses_hostile_ids_and_records_of_other_teams(api, user, make_user):
    one, _dup = two(user)
    theirs = contact_services.contact_create(
        actor=make_user("other", team="Sud"), data={"first_name": "X", "last_name": "Y"}
    )
    for merged in (theirs.pk, 10_999_999):
        response = api.post(
            "/api/v1/merges", {"kind": "contact", "survivor": one.pk, "merged": merged}
        )
        assert response.status_code == 404
    assert api.get("/api/v1/merges/10999999").status_code == 404
    company = Company.objects.create(name="Z")
    response = api.post("/api/v1/merges", {"kind": "deal", "survivor": company.pk, "merged": 1})
    assert response.status_code == 422
    assert Contact.objects.filter(pk=theirs.pk).exists()


def test_a_merge_is_readable_only_by_who_may_see_the_survivor(api, user, make_user):
    other = make_user("other", team="Sud")
    a = contact_services.contact_create(actor=other, data={"first_name": "X", "last_name": "Y"})
    b = contact_services.contact_create(actor=other, data={"first_name": "X", "last_name": "Y"})
    merge = record_merge(actor=other, kind="contact", survivor=a, merged=b)
    assert api.get(f"/api/v1/merges/{merge.pk}").status_code == 404
    assert api.post(f"/api/v1/merges/{merge.pk}/undo").status_code == 404
    gone = api.get(f"/api/v1/contacts/{b.pk}")
    assert gone.status_code == 404 and "merged_into" not in gone.json()


def test_the_merged_records_name_is_shown_only_to_who_could_see_it(client_user, user, admin_user):
    """An administrator merged a confidential contact into one of the user's: the user
    sees the merge on their contact's page (list and history) and its own page by
    number, not the hidden record's name."""
    mine = contact_services.contact_create(
        actor=user, data={"first_name": "Anna", "last_name": "Neri"}
    )
    hidden = contact_services.contact_create(
        actor=admin_user,
        data={"first_name": "Segreta", "last_name": "Verdi", "is_confidential": True},
    )
    merge = record_merge(actor=admin_user, kind="contact", survivor=mine, merged=hidden)
    assert "Segreta" in merge.merged_repr
    for url in (
        reverse("contacts:contact_detail", args=[mine.pk]),
        reverse("merging:merge_detail", args=[merge.pk]),
    ):
        page = client_user.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert "Segreta" not in html  # nor in the survivor's change history
        assert str(hidden.pk) in html
