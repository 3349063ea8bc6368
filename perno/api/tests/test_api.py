import datetime
import io

import pytest
from django.utils import timezone

from perno.accounts.models import ApiToken
from perno.accounts.services import token_create, token_revoke
from perno.activities.models import Attachment, Comment
from perno.activities.services import comment_create
from perno.audit.models import ChangeEntry
from perno.contacts.models import Company, Contact
from perno.contacts.services import company_create, contact_create, custom_field_create
from perno.sales.models import Deal, Lead
from perno.sales.services import lead_create, product_create
from perno.seed.generator import seed

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_requests_without_a_valid_token_get_401(client, user):
    assert client.get("/api/v1/companies").status_code == 401
    response = client.get("/api/v1/companies", headers={"Authorization": "Bearer pno_wrong"})
    assert response.status_code == 401
    assert "Bearer" in response.json()["message"]


def test_revoked_and_expired_tokens_are_refused(client, user):
    token, clear = token_create(user=user, name="t")
    assert (
        client.get("/api/v1/companies", headers={"Authorization": f"Bearer {clear}"}).status_code
        == 200
    )
    token_revoke(actor=user, token=token)
    assert (
        client.get("/api/v1/companies", headers={"Authorization": f"Bearer {clear}"}).status_code
        == 401
    )
    token2, clear2 = token_create(user=user, name="t2")
    ApiToken.objects.filter(pk=token2.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert (
        client.get("/api/v1/companies", headers={"Authorization": f"Bearer {clear2}"}).status_code
        == 401
    )
    assert not ApiToken.objects.filter(
        key_hash__contains=clear2
    ).exists()  # only the hash is stored


def test_company_crud(api, user):
    response = api.post(
        "/api/v1/companies",
        {
            "name": "Rossi S.r.l.",
            "vat_number": "IT00743110157",
            "phone": "+39 06 1234 5678",
            "tags": ["vip"],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["phone"] == "+390612345678" and body["version"] == 1 and body["tags"] == ["vip"]
    assert body["owner"]["username"] == user.username
    company_id = body["id"]
    assert api.get(f"/api/v1/companies/{company_id}").json()["name"] == "Rossi S.r.l."
    patched = api.patch(f"/api/v1/companies/{company_id}", {"industry": "Moda", "version": 1})
    assert patched.status_code == 200 and patched.json()["version"] == 2
    assert api.delete(f"/api/v1/companies/{company_id}").status_code == 204
    assert api.get(f"/api/v1/companies/{company_id}").status_code == 404
    assert list(
        ChangeEntry.objects.filter(object_id=company_id)
        .values_list("action", flat=True)
        .order_by("id")
    ) == ["create", "update", "delete"]


def test_validation_errors_name_each_field(api):
    response = api.post(
        "/api/v1/companies", {"name": "X", "vat_number": "IT1", "phone": "12", "email": "bad"}
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"vat_number", "phone"} <= set(errors)
    response = api.post("/api/v1/companies", {"vat_number": "x", "employees": -1})
    assert response.status_code == 422
    assert {"name", "employees"} <= set(response.json()["errors"])
    assert Company.objects.count() == 0


def test_stale_patch_gets_409_with_the_stored_record(api, user):
    company = company_create(actor=user, data={"name": "Alfa"})
    assert (
        api.patch(f"/api/v1/companies/{company.pk}", {"name": "Beta", "version": 1}).status_code
        == 200
    )
    response = api.patch(f"/api/v1/companies/{company.pk}", {"name": "Gamma", "version": 1})
    assert response.status_code == 409
    body = response.json()
    assert body["current_version"] == 2 and body["current"]["name"] == "Beta"
    response = api.patch(
        f"/api/v1/companies/{company.pk}", {"name": "Gamma"}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 409
    company.refresh_from_db()
    assert company.name == "Beta"


def test_lists_paginate_filter_and_sort(api, user, make_user):
    other = make_user("andrei", team="Vendite Nord")  # same team: giulia sees their contacts
    for i in range(30):
        contact_create(
            actor=user if i % 3 else other,
            data={"first_name": f"N{i:02d}", "last_name": f"L{29 - i:02d}"},
        )
    page = api.get("/api/v1/contacts?page_size=10&sort=name").json()
    assert [c["last_name"] for c in page["items"]][:3] == ["L00", "L01", "L02"]
    assert page["has_next"] and page["count"] == 30 and not page["count_is_capped"]
    last = api.get("/api/v1/contacts?page_size=10&page=3&sort=-name").json()
    assert [c["last_name"] for c in last["items"]][-1] == "L00" and not last["has_next"]
    mine = api.get(f"/api/v1/contacts?owner={other.pk}&page_size=100").json()
    assert mine["count"] == 10
    assert api.get("/api/v1/contacts?q=N05").json()["items"][0]["first_name"] == "N05"
    bad = api.get("/api/v1/contacts?sort=nope&owner=abc")
    assert bad.status_code == 400 and {"sort", "owner"} <= set(bad.json()["errors"])
    assert api.get("/api/v1/contacts?page_size=10000").status_code == 422
    # A page over the bulk-read threshold is an export: a sales user lacks the right.
    bulk = api.get("/api/v1/contacts?page_size=1000")
    assert bulk.status_code == 403 and "export contacts" in bulk.json()["message"]


def test_contacts_with_companies_and_custom_fields(api, user, admin_user):
    custom_field_create(
        actor=admin_user,
        data={
            "entity": "contact",
            "key": "birthday_month",
            "label": "Mese",
            "field_type": "number",
        },
    )
    company = company_create(actor=user, data={"name": "Alfa"})
    response = api.post(
        "/api/v1/contacts",
        {
            "first_name": "Ana",
            "last_name": "Pop",
            "mobile": "0721234567",
            "country": "RO",
            "companies": [{"company_id": company.pk, "job_title": "CEO"}],
            "custom_fields": {"birthday_month": 5},
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["companies"] == [
        {"company_id": company.pk, "company_name": "Alfa", "job_title": "CEO", "is_primary": True}
    ]
    assert body["custom_fields"] == {"birthday_month": 5}
    bad = api.patch(f"/api/v1/contacts/{body['id']}", {"custom_fields": {"birthday_month": "may"}})
    assert bad.status_code == 400 and "custom_fields.birthday_month" in bad.json()["errors"]
    missing = api.post(
        "/api/v1/contacts",
        {"first_name": "A", "last_name": "B", "companies": [{"company_id": 999999}]},
    )
    assert missing.status_code == 400 and Contact.objects.count() == 1


def test_leads_convert_through_the_api(api, user, pipeline):
    lead = api.post(
        "/api/v1/leads",
        {"first_name": "Luca", "last_name": "Bianchi", "company_name": "Bianchi S.r.l."},
    ).json()
    response = api.post(
        f"/api/v1/leads/{lead['id']}/convert", {"amount": "2500.00", "currency": "EUR"}
    )
    assert response.status_code == 200, response.content
    ids = response.json()
    assert Deal.objects.get(pk=ids["deal_id"]).contact_id == ids["contact_id"]
    assert Lead.objects.get(pk=lead["id"]).status == "converted"
    again = api.post(f"/api/v1/leads/{lead['id']}/convert", {})
    assert again.status_code == 400


def test_deals_and_pipelines(api, user, pipeline, admin_user):
    stages = api.get("/api/v1/pipelines").json()[0]["stages"]
    assert [s["name"] for s in stages] == ["Nuovo", "Offerta", "Vinto", "Perso"]
    deal = api.post(
        "/api/v1/deals", {"title": "Licenze", "amount": "1200.50", "currency": "RON"}
    ).json()
    assert (deal["stage_name"], deal["currency"], deal["amount"]) == ("Nuovo", "RON", "1200.50")
    won = next(s for s in stages if s["kind"] == "won")
    moved = api.patch(
        f"/api/v1/deals/{deal['id']}", {"stage_id": won["id"], "version": deal["version"]}
    ).json()
    assert moved["status"] == "won" and moved["closed_at"]
    assert (
        api.post("/api/v1/pipelines", {"name": "X", "stages": [{"name": "A"}]}).status_code == 403
    )
    assert api.patch(f"/api/v1/deals/{deal['id']}", {"stage_id": 999999}).status_code == 400


def test_activities_and_completion(api, user):
    activity = api.post(
        "/api/v1/activities",
        {"subject": "Richiamare", "priority": 3, "due_at": "2030-01-01T10:00:00+01:00"},
    ).json()
    assert activity["assignee"]["username"] == user.username and activity["status"] == "open"
    done = api.post(f"/api/v1/activities/{activity['id']}/complete").json()
    assert done["status"] == "done" and done["completed_at"]
    assert api.get("/api/v1/activities?status=done").json()["count"] == 1


def test_comments_with_multipart_attachments(api, user):
    company = company_create(actor=user, data={"name": "Alfa"})
    pdf = io.BytesIO(PDF)
    pdf.name = "offerta.pdf"
    response = api.post(
        "/api/v1/comments",
        {"target_type": "company", "target_id": company.pk, "body": "Offerta", "files": [pdf]},
        multipart=True,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["attachments"][0]["content_type"] == "application/pdf"
    download = api.get(body["attachments"][0]["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    fake = io.BytesIO(b"MZ\x90\x00" + b"\x00" * 64)
    fake.name = "innocuo.pdf"
    bad = api.post(f"/api/v1/comments/{body['id']}/attachments", {"files": [fake]}, multipart=True)
    assert bad.status_code == 400 and "files" in bad.json()["errors"]
    assert Attachment.objects.count() == 1
    listed = api.get(f"/api/v1/comments?target_type=company&target_id={company.pk}").json()
    assert [c["body"] for c in listed] == ["Offerta"]
    assert api.delete(f"/api/v1/comments/{body['id']}").status_code == 204
    assert Comment.objects.count() == 0


def test_files_go_under_someone_elses_comment_only_for_an_editor_of_the_record(
    api, user, make_user, client
):
    colleague = make_user("marco", team="Vendite Nord")  # reads Giulia's records, no edits
    company = company_create(actor=user, data={"name": "Alfa"})
    giulias = comment_create(actor=user, target=company, body="Offerta", files=[])
    other_client = type(client)()
    other = other_client.post(
        f"/api/v1/comments/{giulias.pk}/attachments",
        {"files": [_pdf("x.pdf")]},
        headers={
            "Authorization": f"Bearer {token_create(user=colleague, name='t', scope='write')[1]}"
        },
    )
    assert other.status_code == 403, other.content
    assert other.json()["message"]
    assert not Attachment.objects.exists()
    own = api.post(
        f"/api/v1/comments/{giulias.pk}/attachments", {"files": [_pdf("y.pdf")]}, multipart=True
    )
    assert own.status_code == 201, own.content
    assert Attachment.objects.get().original_name == "y.pdf"


def _pdf(name: str) -> io.BytesIO:
    upload = io.BytesIO(PDF)
    upload.name = name
    return upload


def test_openapi_describes_every_operation(client):
    spec = client.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    for path in [
        "/api/v1/companies",
        "/api/v1/contacts",
        "/api/v1/leads",
        "/api/v1/leads/{lead_id}/convert",
        "/api/v1/pipelines",
        "/api/v1/deals",
        "/api/v1/products",
        "/api/v1/activities",
        "/api/v1/comments",
        "/api/v1/attachments/{attachment_id}",
    ]:
        assert path in paths, path
    params = {p["name"] for p in paths["/api/v1/contacts"]["get"]["parameters"]}
    assert {"q", "owner", "sort", "page", "page_size"} <= params
    assert "409" in paths["/api/v1/companies/{company_id}"]["patch"]["responses"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/companies",
        "/api/v1/contacts",
        "/api/v1/leads",
        "/api/v1/deals",
        "/api/v1/products",
        "/api/v1/activities",
        "/api/v1/pipelines",
    ],
)
def test_api_lists_stay_within_a_query_budget(
    api, user, admin_user, pipeline, path, django_assert_max_num_queries
):

    seed(companies=20, contacts=60, deals=30, activities=80, seed_value=2, users=[user])
    for i in range(5):
        lead_create(actor=user, data={"last_name": f"Lead {i}"}, tags=["fiera"])
        product_create(
            actor=admin_user,
            data={"name": f"P{i}", "sku": f"P{i}", "unit_price": 10},
            tags=["nuovo"],
        )
    # +3 constant per request for the access gate (roles, team tree, confidential fields).
    # +3 for the audit entry of the page shown (chain lock on PostgreSQL, last hash, insert).
    with django_assert_max_num_queries(16):
        response = api.get(f"{path}?page_size=50")
    assert response.status_code == 200
    body = response.json()
    assert len(body["items"] if isinstance(body, dict) else body) > 0


def test_comments_are_edited_by_their_author(api, user, make_user, client):

    company = company_create(actor=user, data={"name": "Alfa"})
    mine = comment_create(actor=user, target=company, body="Prima versione")
    response = api.patch(f"/api/v1/comments/{mine.pk}", {"body": "Seconda versione"})
    assert response.status_code == 200 and response.json()["body"] == "Seconda versione"
    assert api.patch(f"/api/v1/comments/{mine.pk}", {"body": "  "}).status_code == 400
    other = make_user("andrei")
    _token, clear = token_create(user=other, name="t")
    denied = client.patch(
        f"/api/v1/comments/{mine.pk}",
        {"body": "Hacked"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {clear}"},
    )
    assert denied.status_code == 403
    mine.refresh_from_db()
    assert mine.body == "Seconda versione"
    entry = ChangeEntry.objects.filter(object_id=company.pk, content_type__model="company").first()
    assert entry.changes == {"comment": ["Prima versione", "Seconda versione"]}


def test_products_take_comments_too(api, user, admin_user, client_user):

    product = product_create(
        actor=admin_user, data={"name": "Licenza", "sku": "LIC", "unit_price": 320}
    )
    response = api.post(
        "/api/v1/comments",
        {"target_type": "product", "target_id": product.pk, "body": "Prezzo 2027 da rivedere"},
        multipart=True,
    )
    assert response.status_code == 201, response.content
    assert response.json()["target_type"] == "product"
    timeline = client_user.get(f"/timeline/product/{product.pk}/").content.decode()
    assert "Prezzo 2027 da rivedere" in timeline


def test_nul_characters_are_refused_with_a_clear_message(api, client_user, user):
    """PostgreSQL cannot store U+0000: every entry point refuses it before any work."""
    response = api.get("/api/v1/contacts?q=ro%00ssi")
    assert response.status_code == 400 and "NUL character" in response.json()["message"]
    response = api.post("/api/v1/companies", {"name": "Rossi\u0000 S.r.l."})
    assert response.status_code == 400 and "NUL character" in response.json()["message"]
    response = client_user.post("/companies/new/", {"name": "Rossi\x00"})
    assert response.status_code == 400 and "NUL character" in response.content.decode()
    assert not Company.objects.exists()
    # Files are not text: an upload with NUL bytes is judged by the attachment rules instead.
    assert api.get("/api/v1/contacts?q=rossi").status_code == 200
