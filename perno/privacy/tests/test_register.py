"""The register of processing activities (Art. 30): edited by the DPO in the UI, printed
and exported as a document generated from the live configuration; the audit trail
searchable by the DPO."""

from __future__ import annotations

import io

import pytest
from docx import Document

from perno.audit.models import AuditEvent
from perno.contacts.services import contact_create
from perno.privacy.models import Controller, Notice, Purpose, RetentionRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def dpo_client(client, make_user, login_verified):
    dpo = make_user("dora", role="dpo")
    login_verified(client, dpo)
    client.dpo = dpo
    return client


PURPOSE = {
    "code": "fidelity",
    "name": "Fidelity card",
    "legal_basis": "contract",
    "is_active": "on",
    "description": "Points and rewards",
    "data_subjects": "card holders",
    "data_categories": ["identity", "contact"],
    "recipients": "Our shops",
}


def test_only_people_who_handle_personal_data_see_the_register(client, user, dpo_client):
    client_other = type(dpo_client)()
    client_other.force_login(user)
    for path in ("/privacy/", "/privacy/audit/", "/privacy/retention/", "/privacy/register.docx"):
        assert client_other.get(path).status_code == 403, path
        assert dpo_client.get(path).status_code == 200, path


def test_the_dpo_edits_the_register_and_the_document_follows(dpo_client):
    response = dpo_client.post("/privacy/purposes/new/", PURPOSE)
    assert response.status_code == 302, response.content.decode()[:2000]
    purpose = Purpose.objects.get(code="fidelity")
    assert purpose.data_categories == ["identity", "contact"]
    dpo_client.post(
        "/privacy/controller/",
        {
            "name": "Rossi Arredamenti S.r.l.",
            "dpo_name": "Dora Bianchi",
            "dpo_email": "dpo@rossi.it",
        },
    )
    assert Controller.objects.get(pk=1).name == "Rossi Arredamenti S.r.l."
    page = dpo_client.get("/privacy/register/print/").content.decode()
    assert "Fidelity card" in page and "Rossi Arredamenti S.r.l." in page and "card holders" in page
    document = dpo_client.get("/privacy/register.docx")
    assert document["Content-Type"].startswith("application/vnd.openxmlformats")
    doc = Document(io.BytesIO(document.content))
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        cell.text for table in doc.tables for row in table.rows for cell in row.cells
    )
    assert "Fidelity card" in text and "Rossi Arredamenti S.r.l." in text
    assert "Contract (Art. 6(1)(b))" in text and "card holders" in text
    assert AuditEvent.objects.filter(action="configure", object_type="privacy.purpose").exists()


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"legal_basis": "legitimate_interest"}, "basis_detail", "balancing test"),
        ({"legal_basis": "because"}, "legal_basis", "not one of the available choices"),
        ({"code": "with space"}, "code", "letters"),
        ({"data_categories": ["gossip"]}, "data_categories", "gossip"),
    ],
)
def test_a_bad_purpose_is_refused_with_a_reason(dpo_client, change, field, text):
    response = dpo_client.post("/privacy/purposes/new/", {**PURPOSE, **change})
    assert response.status_code == 400
    body = response.content.decode()
    assert f'data-field-error="{field}"' in body and text in body
    assert not Purpose.objects.filter(name="Fidelity card").exists()


def test_a_duplicate_code_is_refused(dpo_client):
    Purpose.objects.create(code="fidelity", name="Old", legal_basis="contract")
    response = dpo_client.post("/privacy/purposes/new/", PURPOSE)
    assert response.status_code == 400 and "already exists" in response.content.decode()


def test_published_notices_never_change(dpo_client):
    purpose = Purpose.objects.create(code="fidelity", name="Fidelity", legal_basis="consent")
    url = f"/privacy/purposes/{purpose.pk}/notices/"
    data = {"version": "1", "language": "it", "text": "Testo della nota"}
    assert dpo_client.post(url, data).status_code == 302
    again = dpo_client.post(url, {**data, "text": "Altro testo"})
    assert again.status_code == 400 and "cannot change" in again.content.decode()
    assert list(Notice.objects.values_list("text", flat=True)) == ["Testo della nota"]


def test_retention_periods_are_validated_and_saved(dpo_client):
    RetentionRule.objects.update_or_create(category="usage", defaults={"days": 180})
    bad = dpo_client.post("/privacy/retention/", {"days_usage": "soon", "days_network": "0"})
    assert bad.status_code == 400
    body = bad.content.decode()
    assert "“soon” is not a number of days" in body and "between 1 and 36,500" in body
    assert RetentionRule.objects.get(category="usage").days == 180
    good = dpo_client.post("/privacy/retention/", {"days_usage": "90", "why_usage": "Enough"})
    assert good.status_code == 302
    assert RetentionRule.objects.get(category="usage").days == 90
    assert RetentionRule.objects.get(category="network").days is None


def test_the_dpo_searches_the_audit_trail_by_person_and_words(dpo_client, user, client):
    contact = contact_create(actor=user, data={"first_name": "Ada", "last_name": "Neri"})
    other = contact_create(actor=user, data={"first_name": "Bo", "last_name": "Verdi"})
    seller = type(client)()
    seller.force_login(user)
    seller.get(contact.get_absolute_url())
    seller.get("/search/", {"q": "Neri"})
    page = dpo_client.get("/privacy/audit/", {"contact": contact.pk})
    assert page.status_code == 200
    rows = page.context["rows"]
    actions = {entry.action for entry, _actor in rows}
    assert {"create", "view", "search"} <= actions
    assert all(entry.object_id != other.pk for entry, _actor in rows)
    by_words = dpo_client.get("/privacy/audit/", {"term": "  neri "}).context["rows"]
    assert [e.action for e, _a in by_words] == ["search"]
    assert by_words[0][1] == user
    assert dpo_client.get("/privacy/audit/", {"term": "Verdi"}).context["rows"] == []
    bad = dpo_client.get("/privacy/audit/", {"date_from": "yesterday"})
    assert bad.status_code == 400
