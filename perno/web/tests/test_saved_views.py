"""Saved list views (issue 20, point 7): columns, filters and sort by name, a default
view, shared with a team (members use it, only the owner changes it), no leak through a
filter naming a record the user cannot see; pages and API."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client

from perno.accounts.services import token_create
from perno.activities.filters import ActivityFilter
from perno.contacts.filters import ContactFilter
from perno.contacts.services import company_create, contact_create
from perno.records.models import SavedView
from perno.records.savedviews import (
    filter_checker,
    saved_view_create,
    saved_view_delete,
    saved_view_get,
    saved_view_update,
)
from perno.sales import services as sales
from perno.sales.filters import DealFilter

pytestmark = pytest.mark.django_db


def _api(user):
    client = Client()
    token = token_create(user=user, name="t", scope="write")[1]
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


@pytest.fixture
def team(user, make_user):
    return {
        "mate": make_user("marco", team="Vendite Nord"),
        "other": make_user("olga", team="Vendite Sud"),
    }


def _create(user, **data):
    return saved_view_create(
        actor=user,
        list_key="contacts",
        data={"name": "Rossi", "filters": {"q": "Rossi"}, "sort": "-name", **data},
        check_filters=filter_checker(ContactFilter, user),
    )


def test_a_view_applies_its_filters_sort_and_columns(client_user, user):
    for first in ("Anna", "Bea", "Carla"):
        contact_create(actor=user, data={"first_name": first, "last_name": "Rossi"})
    contact_create(actor=user, data={"first_name": "Dario", "last_name": "Verdi"})
    view = _create(user, columns=["full_name", "email"])
    page = client_user.get(f"/contacts/?view={view.pk}").content.decode()
    assert "Verdi" not in page
    assert page.index("Carla") < page.index("Bea") < page.index("Anna")
    assert ">Job title<" not in page and ">E-mail<" in page
    assert client_user.get("/contacts/").content.decode().count("Verdi") == 1  # no default


def test_the_default_view_opens_the_bare_list(client_user, user):
    contact_create(actor=user, data={"first_name": "Dario", "last_name": "Verdi"})
    contact_create(actor=user, data={"first_name": "Anna", "last_name": "Rossi"})
    first = _create(user, is_default=True)
    second = _create(user, name="Tutti", filters={}, is_default=True)
    assert not SavedView.objects.get(pk=first.pk).is_default  # one default per list
    saved_view_update(
        actor=user,
        view=first,
        data={"is_default": True},
        check_filters=filter_checker(ContactFilter, user),
    )
    page = client_user.get("/contacts/").content.decode()
    assert "Anna" in page and "Verdi" not in page
    assert "Verdi" in client_user.get("/contacts/?view=0").content.decode()
    assert "Verdi" in client_user.get(f"/contacts/?view={second.pk}").content.decode()


def test_shared_views_are_used_by_the_team_and_changed_only_by_the_owner(user, team):
    view = _create(user, shared=True)
    mine_only = _create(user, name="Privata")
    mate, other = team["mate"], team["other"]
    assert saved_view_get(user=mate, pk=view.pk) == view
    with pytest.raises(PermissionDenied):
        saved_view_get(user=mate, pk=view.pk, action="edit")
    with pytest.raises(PermissionDenied):
        saved_view_delete(actor=mate, view=view)
    for stranger_view in (view, mine_only):
        with pytest.raises(Http404):
            saved_view_get(user=other, pk=stranger_view.pk)
    with pytest.raises(Http404):
        saved_view_get(user=mate, pk=mine_only.pk)
    client = Client()
    client.force_login(mate)
    assert client.post(f"/views/{view.pk}/delete/", {"next": "/contacts/"}).status_code == 302
    assert SavedView.objects.filter(pk=view.pk).exists()
    page = client.get(f"/contacts/?view={view.pk}").content.decode()
    assert "Rossi" in page  # the mate uses it


def test_a_shared_filter_on_a_record_the_user_cannot_see_leaks_nothing(user, team, pipeline):
    mate, other = team["mate"], team["other"]
    secret = company_create(actor=other, data={"name": "Segretissima Spa"})
    # The owner cannot save it (the company is not there for them)...
    with pytest.raises(ValidationError):
        saved_view_create(
            actor=user,
            list_key="deals",
            data={"name": "Spia", "filters": {"company": str(secret.pk)}},
            check_filters=filter_checker(DealFilter, user),
        )
    # Nor on the activity list, whose record filters take plain ids.
    with pytest.raises(ValidationError):
        saved_view_create(
            actor=user,
            list_key="activities",
            data={"name": "Spia", "filters": {"company": str(secret.pk)}},
            check_filters=filter_checker(ActivityFilter, user),
        )
    # ...and a view stored with it anyway (an older view, someone with more rights) shows
    # neither the name nor the deals of that company to whoever uses it.
    sales.deal_create(actor=mate, data={"title": "Affare visibile", "pipeline": pipeline})
    hostile = SavedView.objects.create(
        owner=mate,
        list_key="deals",
        name="Spia",
        filters={"company": str(secret.pk)},
        team=mate.team,
    )
    client = Client()
    client.force_login(user)
    page = client.get(f"/deals/?view={hostile.pk}").content.decode()
    assert "Segretissima" not in page
    assert "names a record that is not there for you" in page
    # The API leaves that filter out of the view for them.
    answer = _api(user).get(f"/api/v1/views/{hostile.pk}").json()
    assert answer["filters"] == {} and str(secret.pk) not in str(answer["filters"])


def test_bad_views_are_refused_naming_the_field(user):
    for data, field in [
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"filters": {"nope": "1"}}, "filters"),
        ({"filters": {"q": 5}}, "filters"),
        ({"columns": "name"}, "columns"),
        ({"surprise": 1}, "surprise"),
    ]:
        with pytest.raises(ValidationError) as exc:
            _create(user, **data)
        assert field in exc.value.message_dict, (data, exc.value.message_dict)
    _create(user)
    with pytest.raises(ValidationError, match="already have a view"):
        _create(user)
    assert SavedView.objects.count() == 1


def test_the_api(user, team):
    api = _api(user)
    response = api.post(
        "/api/v1/views",
        {"list_key": "contacts", "name": "Mie", "filters": {"q": "Ro"}, "shared": True},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    view = response.json()
    assert view["shared"] and view["mine"] and view["filters"] == {"q": "Ro"}
    listed = api.get("/api/v1/views?list_key=contacts").json()
    assert [v["name"] for v in listed] == ["Mie"]
    response = api.patch(
        f"/api/v1/views/{view['id']}", {"name": "Nostre"}, content_type="application/json"
    )
    assert response.json()["name"] == "Nostre"
    mate_api = _api(team["mate"])
    assert [v["mine"] for v in mate_api.get("/api/v1/views").json()] == [False]
    assert (
        mate_api.patch(
            f"/api/v1/views/{view['id']}", {"name": "Mia"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert _api(team["other"]).get(f"/api/v1/views/{view['id']}").status_code == 404
    assert _api(team["other"]).delete(f"/api/v1/views/{view['id']}").status_code == 404
    bad = api.post(
        "/api/v1/views",
        {"list_key": "invoices", "name": "X"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "list_key" in bad.json()["errors"]
    assert api.delete(f"/api/v1/views/{view['id']}").status_code == 204
    assert not SavedView.objects.exists()


def test_saving_from_the_list_page(client_user, user):
    response = client_user.post(
        "/views/contacts/save/",
        {
            "name": "Rossi a Roma",
            "query": "q=Rossi&sort=-name&bogus=1",
            "columns": ["full_name", "nope"],
            "is_default": "1",
            "next": "/contacts/?q=Rossi",
        },
    )
    view = SavedView.objects.get()
    assert response["Location"] == f"/contacts/?view={view.pk}"
    assert (view.filters, view.sort, view.columns, view.is_default) == (
        {"q": "Rossi"},
        "-name",
        ["full_name"],
        True,
    )
    assert view.team_id is None
