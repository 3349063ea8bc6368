"""Every page and API operation that takes a record type handles every registered type:
the types come from the registry (the rights' record types, each registered with the
gate by the app that owns it), never from a list written here. A type a setting does not
apply to is refused with a clear 4xx; none answers 500."""

from __future__ import annotations

from typing import Any

import pytest

from perno.accounts.confidential import CUSTOM_FIELD_SUBJECTS, field_choices, subject_model
from perno.accounts.models import ConfidentialField
from perno.accounts.rights import SUBJECTS
from perno.accounts.services import token_create
from perno.privacy import keys

pytestmark = pytest.mark.django_db

MISSING = 999_999_999


def test_every_record_type_is_registered_with_the_gate():
    for subject in SUBJECTS:
        assert subject_model(subject)._meta.model_name == subject


@pytest.fixture
def admin(admin_user: Any, client: Any, login_verified: Any) -> Any:
    login_verified(client, admin_user)
    return admin_user


@pytest.fixture
def admin_headers(admin_user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_create(user=admin_user, name='t', scope='write')[1]}"}


def test_confidential_fields_of_every_record_type_are_set_on_the_page_and_in_the_api(
    admin, client, admin_headers
):
    for subject in SUBJECTS:
        names = [name for name, _label in field_choices(subject)][:1]
        response = client.post(
            "/settings/confidential/", {"subject": subject, "fields": names}, follow=True
        )
        assert response.status_code == 200, subject
        assert set(
            ConfidentialField.objects.filter(subject=subject).values_list("field", flat=True)
        ) == set(names), subject
        response = client.put(
            f"/api/v1/confidential-fields/{subject}",
            {"fields": []},
            content_type="application/json",
            headers=admin_headers,
        )
        assert response.status_code == 200, (subject, response.content)
        assert response.json()["fields"] == []
    listed = client.get("/api/v1/confidential-fields", headers=admin_headers).json()
    assert [group["subject"] for group in listed] == list(SUBJECTS)
    assert client.get("/settings/confidential/").status_code == 200


def test_encrypted_fields_of_every_record_type_are_set_or_refused_clearly(
    admin, client, admin_headers
):
    sealable = {subject for subject, _label in keys.subjects()}
    for subject in SUBJECTS:
        response = client.put(
            f"/api/v1/encrypted-fields/{subject}",
            {"fields": []},
            content_type="application/json",
            headers=admin_headers,
        )
        expected = 200 if subject in sealable else 400
        assert response.status_code == expected, (subject, response.content)
        page = client.post("/settings/encryption/", {"subject": subject, "fields": []}, follow=True)
        assert page.status_code == 200, subject


def test_custom_fields_are_listed_for_every_record_type(admin, client, admin_headers):
    """Types without custom fields have none to list."""
    for subject in SUBJECTS:
        response = client.get("/api/v1/custom-fields", {"entity": subject}, headers=admin_headers)
        assert response.status_code == 200, (subject, response.content)
        if subject not in CUSTOM_FIELD_SUBJECTS:
            assert response.json() == [], subject


RECORD_PAGES = [
    ("get", "/timeline/{type}/{pk}/"),
    ("post", "/comments/{type}/{pk}/"),
    ("post", "/addresses/{type}/{pk}/"),
    ("post", "/owner/{type}/{pk}/"),
    ("get", "/analytics/customer/{type}/{pk}/"),
    ("post", "/analytics/customer/{type}/{pk}/costs/"),
]


@pytest.mark.parametrize("method,url", RECORD_PAGES)
def test_pages_about_a_record_answer_every_record_type(admin, client, method, url):
    """A type the page serves answers its page (or 404 for a record that does not
    exist); a type it does not serve answers 404; never 500."""
    for subject in SUBJECTS:
        response = getattr(client, method)(url.format(type=subject, pk=MISSING))
        assert response.status_code in (400, 404), (subject, url, response.status_code)


def test_the_search_api_takes_every_record_type_as_a_type_or_refuses_it_clearly(
    admin, client, admin_headers
):
    """Searchable types are searched; the others get 400 naming the known types."""
    for subject in SUBJECTS:
        response = client.get(
            "/api/v1/search", {"q": "rossi", "types": subject}, headers=admin_headers
        )
        assert response.status_code in (200, 400), (subject, response.content)
        if response.status_code == 400:
            assert "types" in response.json()["errors"], subject
