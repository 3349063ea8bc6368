"""Bad input gets a clear 4xx in the API's error format, never a 500, and stores nothing:
body size, content type and depth; dates and UTC offsets; text lengths, NUL characters
and broken Unicode; date filters. Every operation reads through the same checks."""

from __future__ import annotations

import json
import typing

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from pydantic import BaseModel

from perno.activities.models import Activity, Attachment, Comment
from perno.api.api import api as perno_api
from perno.api.inputs import InputSchema
from perno.contacts.models import Company
from perno.contacts.services import custom_field_create
from perno.core.inputs import MAX_JSON_DEPTH
from perno.records.models import Tag

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def refused(response, status):
    """The API's error format with this status; returns the body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["message"] and isinstance(body["errors"], dict)
    return body


def test_json_nested_deeper_than_the_limit_is_400_whatever_the_depth(api):
    for depth in (MAX_JSON_DEPTH + 1, 50, 100_000):  # the last one overflows the decoder
        nested = "[" * depth + "]" * depth
        body = '{"name": "Rossi", "custom_fields": {"a": ' + nested + "}}"
        response = api.post("/api/v1/companies", body, content_type="application/json")
        assert "nest" in refused(response, 400)["message"]
    shallow = json.dumps({"name": "Rossi", "tags": ["a"]})
    assert (
        api.post("/api/v1/companies", shallow, content_type="application/json").status_code == 201
    )
    assert Company.objects.count() == 1


def test_a_body_over_the_size_limit_is_413_before_it_is_read(api):
    big = json.dumps({"name": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    body = refused(api.post("/api/v1/companies", big, content_type="application/json"), 413)
    assert "too large" in body["message"] and "2.5 MB" in body["message"]
    with override_settings(PERNO_UPLOAD_MAX_BYTES=1000):
        response = api.post(
            "/api/v1/comments",
            {"target_type": "company", "target_id": 1, "body": "x" * 2000},
            multipart=True,
        )
        refused(response, 413)
    assert not Company.objects.exists() and not Comment.objects.exists()


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", '{"name": "Rossi"}'),
        ("application/x-www-form-urlencoded", "name=Rossi"),
        ("application/xml", "<company><name>Rossi</name></company>"),
        ("", '{"name": "Rossi"}'),
    ],
)
def test_a_body_that_is_not_json_is_415(api, content_type, body):
    message = refused(api.post("/api/v1/companies", body, content_type=content_type), 415)
    assert "application/json" in message["message"]
    said = f"(not {content_type})" if content_type else "(the request had no Content-Type)"
    assert said in message["message"]
    assert not Company.objects.exists()


def test_a_multipart_body_to_a_json_operation_is_415(api):
    refused(api.post("/api/v1/companies", {"name": "Rossi"}, multipart=True), 415)
    assert not Company.objects.exists()


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'{"name": "Ros\xff\xfesi"}', "UTF-8"),
        (b'{"name": "Rossi"', "not valid JSON"),
        (b'{"name": "Ros\\ud800si"}', "Unicode"),
        (b'{"name": "Rossi", "tags": ["a\\u0000"]}', "NUL character"),
        (b'{"name": "Rossi", "custom_fields": {"k\\u0000": "v"}}', "NUL character"),
    ],
)
def test_bodies_with_text_that_cannot_be_stored_are_400(api, body, words):
    response = api.post("/api/v1/companies", body, content_type="application/json")
    assert words in refused(response, 400)["message"]
    assert not Company.objects.exists()


@pytest.mark.parametrize(
    "due_at",
    [
        "9999-12-31T10:00:00Z",
        "0001-01-01T00:00:00+01:00",
        "1899-12-31T23:00:00Z",
        "2201-01-01T00:00:00Z",
        "2026-05-01T10:00:00+23:34",
        "2026-05-01T10:00:00+14:30",
        "2026-05-01T10:00:00-05:17",
    ],
)
def test_dates_out_of_range_and_offsets_that_do_not_exist_are_422(api, due_at):
    data = {"kind": "task", "subject": "Call back", "due_at": due_at}
    body = refused(api.post("/api/v1/activities", data), 422)
    assert list(body["errors"]) == ["due_at"]
    assert "between 1900-01-01 and 2200-12-31" in body["errors"]["due_at"][0] or (
        "UTC offset" in body["errors"]["due_at"][0]
    )
    assert not Activity.objects.exists()
    assert api.get("/api/v1/activities").status_code == 200


def test_dates_at_the_ends_of_the_range_and_real_offsets_are_stored(api, pipeline):
    for due_at in (
        "1900-01-01T12:00:00Z",
        "2200-12-31T12:00:00Z",
        "2026-05-01T10:00:00+05:45",
        "2026-05-01T10:00:00+14:00",
        "2026-05-01T10:00:00-12:00",
    ):
        response = api.post(
            "/api/v1/activities", {"kind": "task", "subject": "s", "due_at": due_at}
        )
        assert response.status_code == 201, (due_at, response.content)
    assert api.get("/api/v1/activities").status_code == 200
    activity = Activity.objects.order_by("id").first()
    response = api.patch(f"/api/v1/activities/{activity.pk}", {"due_at": "9999-12-31T00:00:00Z"})
    assert "due_at" in refused(response, 422)["errors"]
    response = api.post(
        "/api/v1/deals",
        {"title": "Fornitura", "pipeline_id": pipeline.pk, "expected_close_date": "9999-12-31"},
    )
    assert "expected_close_date" in refused(response, 422)["errors"]


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1899-12-31"])
def test_date_filters_out_of_range_are_400_naming_the_filter(api, value):
    body = refused(api.get(f"/api/v1/activities?due_after={value}"), 400)
    assert list(body["errors"]) == ["due_after"]
    refused(api.get(f"/api/v1/orders?ordered_before={value}"), 400)
    assert api.get("/api/v1/activities?due_after=2026-01-01").status_code == 200


def test_text_longer_than_its_field_is_400_naming_it_and_stores_nothing(api):
    body = refused(api.post("/api/v1/companies", {"name": "Rossi", "tags": ["t" * 5000]}), 400)
    assert "60" in body["errors"]["tags"][0]
    assert not Company.objects.exists() and not Tag.objects.exists()
    assert api.post("/api/v1/companies", {"name": "Rossi", "tags": ["t" * 60]}).status_code == 201
    company = Company.objects.get()
    response = api.patch(f"/api/v1/companies/{company.pk}", {"tags": ["t" * 61]})
    assert "tags" in refused(response, 400)["errors"]
    response = api.post("/api/v1/companies", {"name": "R" * 5000})
    assert response.status_code in (400, 422) and "name" in response.json()["errors"]
    assert Company.objects.count() == 1


def test_nul_in_form_fields_query_strings_and_file_names_is_400(api, user):
    company = api.post("/api/v1/companies", {"name": "Rossi"}).json()
    response = api.post(
        "/api/v1/comments",
        {"target_type": "company", "target_id": company["id"], "body": "Ciao\x00"},
        multipart=True,
    )
    assert "NUL character" in refused(response, 400)["errors"]["body"][0]
    upload = SimpleUploadedFile("offer\x00.pdf", PDF, content_type="application/pdf")
    response = api.post(
        "/api/v1/comments",
        {"target_type": "company", "target_id": company["id"], "body": "Offer", "files": upload},
        multipart=True,
    )
    # Django drops non-printable characters from an upload's file name before anyone
    # reads it: the NUL never reaches the database.
    assert response.status_code == 201, response.content
    assert Attachment.objects.get().original_name == "offer.pdf"
    assert Comment.objects.get().body == "Offer"
    refused(api.get("/api/v1/companies?q=ro%00ssi"), 400)


def _models(annotation) -> typing.Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        for field in annotation.model_fields.values():
            yield from _models(field.annotation)
    for arg in typing.get_args(annotation):
        yield from _models(arg)


def test_every_operation_reads_its_body_and_query_through_input_schemas():
    """The class, not the examples: every schema any operation reads (bodies, query
    parameters, forms, nested ones) is an InputSchema, so every date and text the API
    takes is checked the same way."""
    seen = 0
    for _prefix, router in perno_api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for param_model in operation.models:
                    if param_model.__ninja_param_source__ not in ("body", "query", "form"):
                        continue
                    for field in param_model.model_fields.values():
                        for model in _models(field.annotation):
                            assert issubclass(model, InputSchema), (operation.view_func, model)
                            seen += 1
    assert seen > 40


def test_a_custom_date_field_keeps_to_the_same_range(api, admin_user):
    custom_field_create(
        actor=admin_user,
        data={"entity": "company", "key": "founded", "label": "Fondata", "field_type": "date"},
    )
    for value in ("9999-12-31", "0001-01-01"):
        response = api.post(
            "/api/v1/companies", {"name": "Rossi", "custom_fields": {"founded": value}}
        )
        body = refused(response, 400)
        assert "between 1900-01-01 and 2200-12-31" in json.dumps(body["errors"])
    assert not Company.objects.exists()
    response = api.post(
        "/api/v1/companies", {"name": "Rossi", "custom_fields": {"founded": "1921-03-01"}}
    )
    assert response.status_code == 201, response.content


def test_the_openapi_document_lists_413_and_415(client):
    schema = client.get("/api/v1/openapi.json").json()
    responses = schema["paths"]["/api/v1/companies"]["post"]["responses"]
    assert {"400", "413", "415", "422"} <= set(responses)
