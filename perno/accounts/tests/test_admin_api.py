"""Administration through the API: roles, users, teams, confidential fields, export log."""

from __future__ import annotations

import pytest
from django.db import connection

from perno.accounts.models import ConfidentialField, Role, Team, User
from perno.accounts.permissions import access_for
from perno.accounts.services import token_create
from perno.audit.models import ChangeEntry
from perno.contacts.services import contact_create
from perno.core.sealing import PREFIX
from perno.privacy.models import KeyRotation

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_api(client, admin_user):
    _token, clear = token_create(user=admin_user, name="admin", scope="write")
    headers = {"Authorization": f"Bearer {clear}"}

    class Api:
        def call(self, method, path, data=None):
            kwargs = {"headers": headers}
            if data is not None:
                kwargs.update(data=data, content_type="application/json")
            return getattr(client, method)(path, **kwargs)

    return Api()


def test_a_role_made_through_the_api_applies_at_once(admin_api, make_user):
    response = admin_api.call(
        "post",
        "/api/v1/roles",
        {
            "code": "telesales",
            "name": "Telesales",
            "rights": {"contact": {"view": "team", "create": "own", "edit": "own"}},
            "export_max_rows": 100,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["rights"]["contact"] == {
        "view": "team",
        "create": "own",
        "edit": "own",
        "delete": "none",
        "export": "none",
    }
    assert body["rights"]["deal"]["view"] == "none"
    someone = make_user("tina")
    response = admin_api.call("patch", f"/api/v1/users/{someone.pk}", {"roles": ["telesales"]})
    assert response.status_code == 200 and response.json()["roles"] == ["telesales"]
    fresh = User.objects.get(pk=someone.pk)
    assert access_for(fresh).scope("contact", "view") == "team"
    assert access_for(fresh).scope("deal", "view") == "none"
    # Changing the role changes the user's rights on the next request, without a restart.
    role = Role.objects.get(code="telesales")
    admin_api.call("patch", f"/api/v1/roles/{role.pk}", {"rights": {"deal": {"view": "own"}}})
    fresh = User.objects.get(pk=someone.pk)
    assert access_for(fresh).scope("deal", "view") == "own"
    assert access_for(fresh).scope("contact", "view") == "none"  # the matrix was replaced
    assert ChangeEntry.objects.filter(content_type__model="role", object_id=role.pk).count() == 2


def test_bad_role_data_is_refused_with_the_reason_and_nothing_saved(admin_api):
    before = Role.objects.count()
    response = admin_api.call(
        "post",
        "/api/v1/roles",
        {"code": "x", "name": "X", "rights": {"contact": {"view": "everything"}}},
    )
    assert response.status_code == 400
    assert "everything" in str(response.json()["errors"])
    response = admin_api.call(
        "post", "/api/v1/roles", {"code": "y", "name": "Y", "rights": {"spaceship": {}}}
    )
    assert response.status_code == 400 and "spaceship" in str(response.json()["errors"])
    response = admin_api.call("post", "/api/v1/roles", {"code": "sales", "name": "Again"})
    assert response.status_code == 409 and "code" in response.json()["errors"]  # taken
    assert Role.objects.count() == before
    in_use = Role.objects.get(code="administrator")
    response = admin_api.call("delete", f"/api/v1/roles/{in_use.pk}")
    assert response.status_code == 400 and "take it away" in str(response.json()["errors"])


def test_users_are_created_with_the_password_policy_and_known_roles(admin_api):
    data = {"username": "nuovo", "email": "nuovo@example.com", "roles": ["sales"]}
    weak = admin_api.call("post", "/api/v1/users", {**data, "password": "password"})
    assert weak.status_code == 400 and "password" in weak.json()["errors"]
    unknown = admin_api.call(
        "post", "/api/v1/users", {**data, "roles": ["wizard"], "password": "long-enough-pass-2026"}
    )
    assert unknown.status_code == 400 and "wizard" in str(unknown.json()["errors"]["roles"])
    no_team = admin_api.call(
        "post", "/api/v1/users", {**data, "team_id": 999999, "password": "long-enough-pass-2026"}
    )
    assert no_team.status_code == 400 and "team_id" in no_team.json()["errors"]
    assert not User.objects.filter(username="nuovo").exists()
    made = admin_api.call("post", "/api/v1/users", {**data, "password": "long-enough-pass-2026"})
    assert made.status_code == 201 and made.json()["roles"] == ["sales"]
    assert User.objects.get(username="nuovo").check_password("long-enough-pass-2026")
    listed = admin_api.call("get", "/api/v1/users?page_size=50").json()
    assert "nuovo" in {u["username"] for u in listed["items"]}
    assert "password" not in str(listed)


def test_teams_nest_but_never_below_themselves(admin_api):
    head = admin_api.call("post", "/api/v1/teams", {"name": "Head"}).json()
    child = admin_api.call("post", "/api/v1/teams", {"name": "Child", "parent_id": head["id"]})
    assert child.status_code == 201 and child.json()["parent"]["id"] == head["id"]
    loop = admin_api.call("patch", f"/api/v1/teams/{head['id']}", {"parent_id": child.json()["id"]})
    assert loop.status_code == 400 and "parent" in loop.json()["errors"]
    assert Team.objects.get(pk=head["id"]).parent_id is None


def test_confidential_fields_and_export_log_through_the_api(admin_api):
    response = admin_api.call("put", "/api/v1/confidential-fields/contact", {"fields": ["phone"]})
    assert response.status_code == 200 and response.json()["fields"] == ["phone"]
    assert "email" in response.json()["available"]
    bad = admin_api.call("put", "/api/v1/confidential-fields/contact", {"fields": ["shoe_size"]})
    assert bad.status_code == 400 and "shoe_size" in str(bad.json()["errors"])
    assert list(ConfidentialField.objects.values_list("field", flat=True)) == ["phone"]
    assert admin_api.call("get", "/api/v1/exports").json()["count"] == 0


def test_only_administrators_reach_the_administration_api(api):
    for path in ("/api/v1/roles", "/api/v1/users", "/api/v1/teams", "/api/v1/exports"):
        response = api.get(path)
        assert response.status_code == 403
        assert "administer" in response.json()["message"]


def test_encrypted_fields_and_key_rotation_through_the_api(
    admin_api, user, django_capture_on_commit_callbacks
):

    contact = contact_create(
        actor=user, data={"first_name": "Ada", "last_name": "Neri", "notes": "sensitive"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.call("put", "/api/v1/encrypted-fields/contact", {"fields": ["notes"]})
    assert response.status_code == 200 and response.json()["fields"] == ["notes"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM contacts_contact WHERE id = %s", [contact.pk])
        assert cursor.fetchone()[0].startswith(PREFIX)
    bad = admin_api.call("put", "/api/v1/encrypted-fields/contact", {"fields": ["email"]})
    assert bad.status_code == 400 and "email" in str(bad.json()["errors"])
    listed = {
        row["subject"]: row for row in admin_api.call("get", "/api/v1/encrypted-fields").json()
    }
    assert listed["contact"]["fields"] == ["notes"] and "notes" in listed["lead"]["available"]
    runs = admin_api.call("get", "/api/v1/key-rotations").json()
    assert runs[0]["status"] == "done" and runs[0]["counts"]["contacts_contact.notes"] == 1
    KeyRotation.objects.create(status="running")
    busy = admin_api.call("post", "/api/v1/key-rotations")
    assert busy.status_code == 400 and "already under way" in str(busy.json()["errors"])
