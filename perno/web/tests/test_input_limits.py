"""Forms and pages hold input to the same limits as the API (perno.core.inputs): dates
within 1900-2200, text no longer than its field and storable, bodies within the size
limit; the answer names what is wrong and nothing is stored."""

from __future__ import annotations

import contextlib

import pytest
from django import forms
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.urls import get_resolver

from perno.activities.models import Activity
from perno.contacts.models import Company
from perno.contacts.services import company_create
from perno.core.inputs import validate_moment
from perno.marketing import segments
from perno.records.models import Tag

pytestmark = pytest.mark.django_db


def _forms(cls=forms.BaseForm):
    for sub in cls.__subclasses__():
        if sub.__module__.startswith("perno."):
            yield sub
        yield from _forms(sub)


def test_every_date_a_form_takes_has_the_range_validator():
    """The class: every date or datetime any form of the web app takes carries the one
    range validator, on the form field or on the model field a ModelForm validates
    (``_post_clean``)."""
    get_resolver().url_patterns  # noqa: B018 - imports every view, so every form
    checked = []
    for form in set(_forms()):
        meta = getattr(form, "_meta", None)
        model = getattr(meta, "model", None)
        for name, form_field in form.base_fields.items():
            if not isinstance(form_field, (forms.DateField, forms.DateTimeField)):
                continue
            validators = list(form_field.validators)
            if model is not None:
                with contextlib.suppress(FieldDoesNotExist):
                    validators += model._meta.get_field(name).validators
            assert validate_moment in validators, f"{form.__module__}.{form.__name__}.{name}"
            checked.append(name)
    assert len(checked) >= 8, checked


@pytest.mark.parametrize("due_at", ["9999-12-31T10:00", "0001-01-01T00:00", "1899-12-31T10:00"])
def test_an_activity_form_with_a_date_out_of_range_says_so_and_stores_nothing(client_user, due_at):
    response = client_user.post(
        "/activities/new/",
        {
            "kind": "task",
            "subject": "Richiamare",
            "due_at": due_at,
            "priority": 2,
            "status": "open",
        },
    )
    assert response.status_code in (200, 400)
    assert "between 1900-01-01 and 2200-12-31" in response.content.decode()
    assert not Activity.objects.exists()
    assert client_user.get("/activities/").status_code == 200


def test_a_tag_longer_than_its_field_is_refused_by_the_form(client_user):
    response = client_user.post("/companies/new/", {"name": "Rossi S.r.l.", "tags": "t" * 61})
    assert response.status_code in (200, 400)
    assert "A tag has at most 60 characters" in response.content.decode()
    assert not Company.objects.exists() and not Tag.objects.exists()
    response = client_user.post("/companies/new/", {"name": "R" * 5000})
    assert response.status_code in (200, 400)
    assert "at most 200 characters" in response.content.decode()
    assert not Company.objects.exists()


def test_a_form_body_over_the_limit_gets_413_with_what_to_do(client_user):
    response = client_user.post(
        "/companies/new/", {"name": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    )
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert not Company.objects.exists()


def test_nul_in_a_form_field_or_a_query_string_is_400(client_user):
    response = client_user.post("/companies/new/", {"name": "Rossi", "notes": "a\x00b"})
    assert response.status_code == 400 and "NUL character" in response.content.decode()
    response = client_user.get("/companies/?q=ro%00ssi")
    assert response.status_code == 400 and "NUL character" in response.content.decode()
    assert not Company.objects.exists()


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
def test_a_list_filter_with_a_date_out_of_range_is_a_filter_error(client_user, value):
    response = client_user.get(f"/activities/?due_after={value}")
    assert response.status_code == 400
    assert "between 1900-01-01 and 2200-12-31" in response.content.decode()


def test_query_strings_and_forms_that_are_not_utf8_are_400(client_user, api):
    for path in ("/companies/?q=Caf%E9", "/api/v1/companies?q=Caf%E9"):
        getter = api.get if path.startswith("/api/") else client_user.get
        response = getter(path)
        assert response.status_code == 400 and "not valid UTF-8" in response.content.decode()
    response = client_user.post(
        "/companies/new/", "name=Caf%E9", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400 and "not valid UTF-8" in response.content.decode()
    assert not Company.objects.exists()
    # UTF-8, a U+FFFD sent as UTF-8 included, is fine.
    assert client_user.get("/companies/?q=Caf%C3%A8%EF%BF%BD").status_code == 200
    response = client_user.post(
        "/companies/new/", "name=Caf%C3%A8", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 302 and Company.objects.get().name == "Cafè"


def test_a_segment_date_and_a_timeline_point_out_of_range_never_fail(client_user, user, admin_user):
    with pytest.raises(ValidationError) as refused:
        segments.clean([{"field": "created", "op": "after", "value": "0001-01-01"}], admin_user)
    assert "between 1900-01-01 and 2200-12-31" in str(refused.value)
    company = company_create(actor=user, data={"name": "Rossi"})
    for before in ("2026-13-45T00:00", "0001-01-01T00:00", "9999-12-31T23:59"):
        response = client_user.get(f"/timeline/company/{company.pk}/?before={before}")
        assert response.status_code == 200, before
    assert client_user.get("/search/?q=rossi&from=0001-01-01&to=9999-12-31").status_code == 200
