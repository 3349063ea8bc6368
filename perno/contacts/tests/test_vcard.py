"""vCard export of contacts: one, the selection, the filtered list; re-imported with
vobject; confidential fields left out; the export rules and the audit as for CSV."""

from __future__ import annotations

import pytest
import vobject

from perno.accounts.models import ExportLog
from perno.audit.models import AuditEvent
from perno.contacts.models import Contact
from perno.contacts.services import (
    address_add,
    company_create,
    contact_create,
)
from perno.contacts.vcard import contact_uid, contacts_vcard
from perno.records.confidential import confidential_fields_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def exporter(make_user):
    return make_user("mara", role="manager", team="Vendite Nord")


@pytest.fixture
def ana(exporter):
    acme = company_create(actor=exporter, data={"name": "Acme Srl", "country": "IT"})
    other = company_create(actor=exporter, data={"name": "Beta Spa", "country": "IT"})
    ana = contact_create(
        actor=exporter,
        data={
            "first_name": "Ana-Maria",
            "last_name": "Ștefănescu",
            "email": "ana@example.ro",
            "phone": "+40212345678",
            "mobile": "+40722000111",
            "job_title": "Direttrice acquisti",
            "country": "RO",
        },
        companies=[(acme, "Buyer"), (other, "")],
        tags=["vip", "fiera"],
    )
    address_add(
        actor=exporter,
        record=ana,
        data={
            "kind": "office",
            "street": "Strada Lipscani 5",
            "city": "București",
            "postal_code": "030031",
            "region": "Ilfov",
            "country": "RO",
        },
    )
    return ana


def _cards(content: bytes) -> list:
    return list(vobject.readComponents(content.decode()))


def test_the_export_reads_back_with_every_value(exporter, ana):
    result = contacts_vcard(user=exporter, queryset=Contact.objects.filter(pk=ana.pk))
    assert result.content_type.startswith("text/vcard") and result.filename.endswith(".vcf")
    [card] = _cards(result.content)
    assert card.version.value == "3.0"
    assert card.n.value.family == "Ștefănescu" and card.n.value.given == "Ana-Maria"
    assert card.fn.value == "Ana-Maria Ștefănescu"
    assert card.email.value == "ana@example.ro"
    phones = {line.type_param: line.value for line in card.contents["tel"]}
    assert phones == {"WORK": "+40212345678", "CELL": "+40722000111"}
    assert card.org.value == ["Acme Srl"]  # the primary company
    assert card.title.value == "Direttrice acquisti"
    address = card.adr.value
    assert (address.street, address.city, address.code, address.region, address.country) == (
        "Strada Lipscani 5",
        "București",
        "030031",
        "Ilfov",
        "RO",
    )
    assert sorted(card.categories.value) == ["fiera", "vip"]
    assert card.uid.value == contact_uid(ana)
    assert contact_uid(ana) == contact_uid(Contact.objects.get(pk=ana.pk))  # stable


def test_confidential_fields_are_left_out_for_who_may_not_read_them(
    admin_user, make_user, exporter, ana
):
    confidential_fields_set(actor=admin_user, subject="contact", fields=["job_title", "mobile"])
    marketer = make_user("marta", role="marketing", team="Vendite Nord")
    [card] = _cards(contacts_vcard(user=marketer, queryset=Contact.objects.all()).content)
    assert "title" not in card.contents
    assert [line.type_param for line in card.contents["tel"]] == ["WORK"]
    assert "Direttrice" not in card.serialize() and "722000111" not in card.serialize()
    [card] = _cards(contacts_vcard(user=exporter, queryset=Contact.objects.all()).content)
    assert card.title.value == "Direttrice acquisti"  # the manager sees confidential data


def test_the_export_is_logged_and_audited_like_csv(exporter, ana):
    contacts_vcard(user=exporter, queryset=Contact.objects.all(), filters={"q": "Ana"})
    log = ExportLog.objects.get()
    assert (log.user_id, log.subject, log.format, log.rows) == (exporter.pk, "contact", "vcf", 1)
    assert AuditEvent.objects.filter(action="export", object_type="contact").count() == 1


def test_without_the_export_right_nothing_is_written(user, exporter, ana, client):
    client.force_login(user)  # the sales role has no export right
    assert client.get(f"/contacts/{ana.pk}/vcard/").status_code in (403, 404)
    page = client.get(f"/contacts/{ana.pk}/")
    assert page.status_code == 200 and f"/contacts/{ana.pk}/vcard/" not in page.content.decode()
    response = client.get("/contacts/?export=vcf")
    assert response.status_code == 302
    assert not ExportLog.objects.exists()


def test_one_contact_the_filtered_list_and_the_selection_from_the_pages(
    exporter, ana, client, make_user
):
    other = contact_create(actor=exporter, data={"first_name": "Bob", "last_name": "Neri"})
    client.force_login(exporter)
    assert f"/contacts/{ana.pk}/vcard/" in client.get(f"/contacts/{ana.pk}/").content.decode()
    response = client.get(f"/contacts/{ana.pk}/vcard/")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert [c.fn.value for c in _cards(response.content)] == ["Ana-Maria Ștefănescu"]
    response = client.get("/contacts/?q=Neri&export=vcf")
    assert [c.fn.value for c in _cards(response.content)] == ["Bob Neri"]
    response = client.post(
        "/bulk/contacts/",
        {"action": "export-vcf", "ids": [str(ana.pk), str(other.pk)], "next": "/contacts/"},
    )
    assert response.status_code == 200
    assert sorted(c.fn.value for c in _cards(response.content)) == [
        "Ana-Maria Ștefănescu",
        "Bob Neri",
    ]
    stranger = make_user("ugo", role="manager", team="Vendite Sud")
    client.force_login(stranger)
    assert client.get(f"/contacts/{ana.pk}/vcard/").status_code == 404
    assert ExportLog.objects.count() == 3
