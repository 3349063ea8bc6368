import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone, translation

from perno.activities.models import Activity, Comment
from perno.activities.services import activity_create
from perno.contacts.models import Company
from perno.contacts.services import company_create, company_update, contact_create
from perno.sales.services import deal_create, lead_create
from perno.seed.generator import seed

pytestmark = pytest.mark.django_db


def ui_routes():
    """Every UI route of the URL conf (the API and admin have their own auth)."""

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if str(p.pattern).startswith(("api/", "admin/", "i18n/")):
                    continue
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), p.name

    return list(walk(get_resolver().url_patterns))


def concrete(route: str) -> str:
    route = re.sub(r"<int:\w+>", "1", route)
    route = re.sub(r"<str:record_type>", "company", route)
    route = re.sub(r"<(?:slug|str):\w+>", "x", route)
    return "/" + route


def test_every_ui_route_needs_a_log_in(client, user):
    routes = [
        (r, n)
        for r, n in ui_routes()
        if n
        not in {
            "login",
            "healthz",
            "set_language",
            "password_reset",
            "password_reset_done",
            "password_reset_confirm",
            "password_reset_complete",
            "signup",  # public privacy links: sign-up, confirmation, unsubscribe
            "optin",
            "unsubscribe",
            "answer",  # the personal link of a survey
            "calendar_feed_ics",  # a user's ICS feed: its secret address is the key
        }
    ]
    assert len(routes) > 30
    for route, _name in routes:
        url = concrete(route)
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code in (302, 405), (url, response.status_code)
            if response.status_code == 302:
                assert response["Location"].startswith("/login/"), url


def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok"}


@pytest.fixture
def data(user, pipeline):
    seed(
        companies=20, contacts=60, deals=30, activities=80, comments=40, seed_value=1, users=[user]
    )


@pytest.mark.parametrize(
    "url",
    [
        "/companies/",
        "/contacts/",
        "/leads/",
        "/deals/",
        "/activities/",
        "/products/",
        "/deals/board/",
        "/",
    ],
)
def test_list_pages_stay_within_a_query_budget(
    client_user, data, url, django_assert_max_num_queries
):
    # +3 constant per request for the access gate (roles, team tree, confidential fields);
    # +3 for the audit entry of the page shown (chain lock on PostgreSQL, last hash, insert);
    # +1 for the purposes offered by the contacts' "may be processed for" filter;
    # +1 for the user's saved views of the list (the menu and the default view).
    with django_assert_max_num_queries(22):
        response = client_user.get(url)
    assert response.status_code == 200


def test_list_sort_filter_search_and_paginate(client_user, user):
    for name in ["Zeta", "Alfa", "Beta"]:
        company_create(actor=user, data={"name": name, "country": "RO" if name == "Beta" else "IT"})
    body = client_user.get("/companies/?sort=-name").content.decode()
    assert body.index("Zeta") < body.index("Beta") < body.index("Alfa")
    body = client_user.get("/companies/?country=RO").content.decode()
    assert "Beta" in body and "Zeta" not in body
    body = client_user.get("/companies/?q=alf").content.decode()
    assert "Alfa" in body and "Zeta" not in body
    page2 = client_user.get("/companies/?sort=name&page_size=25&page=2").content.decode()
    assert "Alfa" not in page2
    bad = client_user.get("/companies/?sort=nope")
    assert bad.status_code == 400 and "Some filters were not valid" in bad.content.decode()


def test_htmx_list_requests_get_only_the_results(client_user, user):
    company_create(actor=user, data={"name": "Alfa"})
    response = client_user.get("/companies/?q=Alfa", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "Alfa" in body and "<html" not in body


def test_column_choice_is_remembered(client_user, user):
    company_create(actor=user, data={"name": "Alfa", "email": "info@alfa.it"})
    assert "info@alfa.it" not in client_user.get("/companies/").content.decode()
    client_user.get("/companies/?columns=name&columns=email")
    body = client_user.get("/companies/").content.decode()
    assert "info@alfa.it" in body
    user.refresh_from_db()
    assert user.preferences["columns"]["companies"] == ["name", "email"]


def test_create_form_shows_field_errors_and_keeps_input(client_user):
    response = client_user.post(
        "/companies/new/", {"name": "Rossi", "vat_number": "IT123", "phone": "12", "email": "bad"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-field-error="vat_number"' in body and 'data-field-error="phone"' in body
    assert 'value="Rossi"' in body
    assert Company.objects.count() == 0
    response = client_user.post(
        "/companies/new/", {"name": "Rossi", "vat_number": "IT00743110157", "phone": "06 1234 5678"}
    )
    company = Company.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/companies/{company.pk}/"
    assert company.phone == "+390612345678"


def test_stale_edit_shows_conflict_and_keeps_what_was_typed(client_user, user):
    company = company_create(actor=user, data={"name": "Alfa"})
    mine = {"owner": user.pk, "team": user.team_id}
    client_user.post(f"/companies/{company.pk}/edit/", {"name": "Beta", "version": 1, **mine})
    response = client_user.post(
        f"/companies/{company.pk}/edit/", {"name": "Mio nome", "version": 1, **mine}
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert 'data-testid="conflict"' in body and "Beta" in body and 'value="Mio nome"' in body
    assert 'name="version" value="2"' in body
    company.refresh_from_db()
    assert company.name == "Beta"
    client_user.post(f"/companies/{company.pk}/edit/", {"name": "Mio nome", "version": 2})
    company.refresh_from_db()
    assert company.name == "Mio nome"


def test_detail_page_shows_history_and_timeline(client_user, user, pipeline):
    company = company_create(actor=user, data={"name": "Alfa"})
    contact = contact_create(
        actor=user, data={"first_name": "Ana", "last_name": "Pop"}, companies=[(company, "CEO")]
    )
    deal_create(actor=user, data={"title": "Licenze", "company": company})
    activity_create(
        actor=user, data={"kind": "call", "subject": "Chiamata Ana", "contact": contact}
    )
    body = client_user.get(f"/companies/{company.pk}/").content.decode()
    assert 'data-testid="history"' in body and "Ana Pop" in body and "Licenze" in body
    timeline = client_user.get(f"/timeline/company/{company.pk}/").content.decode()
    assert "Chiamata Ana" in timeline
    assert (
        "Chiamata Ana"
        not in client_user.get(f"/timeline/company/{company.pk}/?kind=comment").content.decode()
    )


def test_inline_task_completion(client_user, user):
    task = activity_create(
        actor=user,
        data={"subject": "Richiamare", "due_at": timezone.now() - datetime.timedelta(days=1)},
    )
    assert "Richiamare" in client_user.get("/").content.decode()
    response = client_user.post(f"/activities/{task.pk}/complete/", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "checked" in response.content.decode()
    task.refresh_from_db()
    assert task.status == Activity.Status.DONE


def test_inline_owner_change(client_user, user, make_user):

    other = make_user("andrei", team="Vendite Nord")
    company = company_create(actor=user, data={"name": "Alfa"})
    company_update(actor=user, company=company, data={"name": "Alfa 2"}, expected_version=1)
    stale = client_user.post(f"/owner/company/{company.pk}/", {"owner": other.pk, "version": 1})
    assert stale.status_code == 409
    company.refresh_from_db()
    assert company.owner == user
    response = client_user.post(f"/owner/company/{company.pk}/", {"owner": other.pk, "version": 2})
    assert response.status_code == 200
    company.refresh_from_db()
    assert company.owner == other and company.version == 3
    # Handed over: a sales user edits only their own records, and is told so.
    again = client_user.post(f"/owner/company/{company.pk}/", {"owner": user.pk, "version": 3})
    assert again.status_code == 403
    company.refresh_from_db()
    assert company.owner == other and company.version == 3


def test_comment_with_attachment_from_the_page(client_user, user):
    company = company_create(actor=user, data={"name": "Alfa"})
    upload = SimpleUploadedFile("nota.txt", b"Consegna entro marzo")
    response = client_user.post(
        f"/comments/company/{company.pk}/", {"body": "Vedi allegato", "attachments": [upload]}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Vedi allegato" in body and "nota.txt" in body
    attachment = Comment.objects.get().attachments.get()
    download = client_user.get(f"/attachments/{attachment.pk}/")
    assert b"".join(download.streaming_content) == b"Consegna entro marzo"
    bad = client_user.post(
        f"/comments/company/{company.pk}/",
        {
            "body": "x",
            "attachments": [SimpleUploadedFile("evil.pdf", b"MZ\x90\x00" + b"\x00" * 60)],
        },
    )
    assert bad.status_code == 400 and "not an accepted file type" in bad.content.decode()
    assert Comment.objects.count() == 1


def test_board_move_endpoint(client_user, user, pipeline):
    deal = deal_create(actor=user, data={"title": "Licenze"})
    offer = pipeline.stages.get(name="Offerta")
    response = client_user.post(
        f"/deals/{deal.pk}/move/", {"stage": offer.pk, "version": deal.version}
    )
    assert response.status_code == 200 and response.json()["version"] == 2
    stale = client_user.post(f"/deals/{deal.pk}/move/", {"stage": offer.pk, "version": 1})
    assert stale.status_code == 409 and "changed this record" in stale.json()["message"]


def test_italian_and_romanian_labels_and_formats(client_user, user, pipeline):
    deal = deal_create(
        actor=user, data={"title": "Licenze", "amount": "1234.50", "currency": "EUR"}
    )
    client_user.post("/language/", {"language": "it", "next": "/"})
    user.refresh_from_db()
    assert user.language == "it"
    body = client_user.get(f"/deals/{deal.pk}/").content.decode()
    assert "Modifica" in body and "1.234,50\xa0€" in body
    client_user.post("/language/", {"language": "ro", "next": "/"})
    body = client_user.get("/companies/").content.decode()
    assert "Companii" in body


def test_custom_fields_page_is_for_administrators(client, user, admin_user, login_verified):
    client.force_login(user)
    assert client.get("/settings/custom-fields/").status_code == 403
    login_verified(client, admin_user)
    response = client.post(
        "/settings/custom-fields/",
        {
            "entity": "company",
            "label": "Codice ATECO",
            "key": "ateco",
            "field_type": "text",
            "position": 0,
        },
    )
    assert response.status_code == 302
    form = client.get("/companies/new/").content.decode()
    assert 'name="cf_ateco"' in form
    client.post("/companies/new/", {"name": "Alfa", "cf_ateco": "62.01"})
    assert Company.objects.get().custom_fields == {"ateco": "62.01"}


def test_company_and_contact_lookups_search_as_the_user_types(client_user, user):
    alfa = company_create(actor=user, data={"name": "Alfa Costruzioni"})
    company_create(actor=user, data={"name": "Beta"})
    contact_create(actor=user, data={"first_name": "Ana", "last_name": "Popescu"})
    body = client_user.get("/companies/lookup/?q=costr").content.decode()
    assert f'value="{alfa.pk}"' in body and "Beta" not in body
    assert "Popescu" in client_user.get("/contacts/lookup/?q=pop").content.decode()
    assert "No match" in client_user.get("/companies/lookup/?q=zzz").content.decode()
    form = client_user.get("/contacts/new/").content.decode()
    assert 'data-lookup-url="/companies/lookup/"' in form


def test_activity_created_from_a_lead_page_is_linked_to_the_lead(client_user, user):

    lead = lead_create(actor=user, data={"last_name": "Bianchi"})
    form = client_user.get(f"/activities/new/?lead={lead.pk}").content.decode()
    assert f'name="lead" value="{lead.pk}"' in form
    response = client_user.post(
        "/activities/new/",
        {
            "kind": "call",
            "subject": "Prima chiamata",
            "priority": 2,
            "status": "open",
            "lead": lead.pk,
        },
    )
    assert response.status_code == 302
    assert Activity.objects.get().lead == lead
    assert "Prima chiamata" in client_user.get(f"/timeline/lead/{lead.pk}/").content.decode()


def test_activity_form_rejects_a_reminder_after_the_due_time(client_user):
    response = client_user.post(
        "/activities/new/",
        {
            "kind": "task",
            "subject": "X",
            "priority": 2,
            "status": "open",
            "due_at": "2030-01-01T10:00",
            "remind_at": "2030-01-02T10:00",
        },
    )
    assert (
        response.status_code == 400 and 'data-field-error="remind_at"' in response.content.decode()
    )
    assert Activity.objects.count() == 0


def test_the_list_count_is_loaded_after_the_rows_and_respects_the_scope(
    client_user, user, make_user
):
    for i in range(30):
        contact_create(actor=user, data={"first_name": "Anna", "last_name": f"Mia{i:02}"})
    stranger = make_user("stranger", team="Altrove")
    for i in range(5):
        contact_create(actor=stranger, data={"first_name": "Ugo", "last_name": f"Altro{i}"})
    body = client_user.get("/contacts/").content.decode()
    assert "Mia00" in body and 'data-testid="list-count-pending"' in body
    assert 'hx-get="?count=1' in body
    counted = client_user.get("/contacts/?count=1").content.decode()
    assert ">30<" in counted  # only the 30 the sales user may see, not the stranger's 5
    filtered = client_user.get("/contacts/?count=1&q=Mia0").content.decode()
    assert ">10<" in filtered
    # A single page knows its count at once.
    short = client_user.get("/contacts/?q=Mia2").content.decode()
    assert "list-count-pending" not in short and "of 10" in short


def test_ids_stay_plain_and_counts_are_grouped_per_language(client_user, user):
    """Every test's records have ids above 10,000 (conftest): an id formatted as a
    number ("10,001") would break element ids, hidden inputs and links. Counts shown to
    people are grouped in the user's language."""
    company = company_create(actor=user, data={"name": "Diecimila Srl"})
    assert company.pk > 10_000
    body = client_user.get(f"/companies/{company.pk}/").content.decode()
    assert str(company.pk) in body
    assert f"{company.pk:,}" not in body and f"{company.pk:,}".replace(",", ".") not in body
    figure = Template("{% load perno %}{{ n|figure }} {{ n }}")
    for language, grouped in (("en", "12,345"), ("it", "12.345"), ("ro", "12.345")):
        with translation.override(language):
            assert figure.render(Context({"n": 12345})) == f"{grouped} 12345"
