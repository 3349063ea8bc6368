"""The daily work of a first real user (issue 19, point 8): dashboard counts equal the
lists they link to, only to-dos are tasks, a lost deal needs its reason, one date
format per language, records and users picked by name, notifications in the
recipient's language, no menu before the second factor, a favicon."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import date_format
from django_otp.plugins.otp_totp.models import TOTPDevice

from perno.accounts.models import User
from perno.activities.models import Activity, Notification
from perno.activities.services import (
    activity_complete,
    activity_create,
    notification_email,
    notify,
)
from perno.contacts.services import company_create, contact_create
from perno.marketing.models import Segment
from perno.sales import services as sales

pytestmark = pytest.mark.django_db

PERNO = Path(__file__).resolve().parents[2]


def _task(user, subject, *, kind="task", due=None, assignee=None):
    return activity_create(
        actor=user,
        data={"kind": kind, "subject": subject, "due_at": due, "assignee": assignee or user},
    )


def _list_total(client, url):
    """The count the list page shows for ``url`` (its lazily loaded total)."""
    response = client.get(url + "&count=1")
    assert response.status_code == 200, url
    match = re.search(r'data-testid="list-total">([^<]+)<', response.content.decode())
    assert match, response.content
    return int(match.group(1).replace(",", "").replace(".", ""))


# --- a, b: dashboard counts and lists; only to-dos are tasks ------------------------------


def test_dashboard_counts_equal_the_lists_they_link_to(client_user, user, make_user, pipeline):
    past, future = timezone.now() - timedelta(days=2), timezone.now() + timedelta(days=2)
    for n in range(23):  # more than the dashboard shows
        _task(user, f"Richiamare {n}", due=past)
    _task(user, "Riunione", kind="meeting", due=future)
    _task(user, "Telefonata", kind="call", due=past)
    _task(user, "Appunto", kind="note", due=past)  # never a task
    _task(user, "Mail inviata", kind="email", due=past)  # never a task
    other = make_user("marco", team="Vendite Nord")
    _task(user, "Per Marco", assignee=other, due=past)
    done = _task(user, "Fatto", due=past)
    done.refresh_from_db()
    activity_complete(actor=user, activity=done)
    for amount, currency in (("100", "EUR"), ("200", "EUR"), ("50", "RON")):
        sales.deal_create(
            actor=user,
            data={"title": f"Affare {amount}", "amount": Decimal(amount), "currency": currency},
        )
    sales.deal_create(actor=other, data={"title": "Non mio", "currency": "EUR"})
    notify(user=user, title="Uno")
    notify(user=user, title="Due")
    Notification.objects.filter(title="Due").update(read_at=timezone.now())

    page = client_user.get("/").content.decode()
    links = dict(
        re.findall(r'<a href="([^"]+)" data-testid="(overdue-all|open-all|deals-all)"', page)[::1]
    )
    links = {testid: href.replace("&amp;", "&") for href, testid in links.items()}
    overdue = int(re.search(r'data-testid="overdue-count">(\d+)<', page).group(1))
    open_ = int(re.search(r'data-testid="open-count">(\d+)<', page).group(1))
    assert (overdue, open_) == (24, 25)  # 23 tasks and the call; and the meeting
    assert _list_total(client_user, links["overdue-all"]) == overdue
    assert _list_total(client_user, links["open-all"]) == open_
    assert "Appunto" not in page and "Mail inviata" not in page and "Per Marco" not in page
    listed = client_user.get(links["open-all"] + "&page_size=50").content.decode()
    assert "Riunione" in listed and "Appunto" not in listed and "Mail inviata" not in listed
    assert "Fatto" not in listed

    currencies = re.findall(
        r'<a href="([^"]+)" data-testid="deals-currency" data-count="(\d+)"', page
    )
    assert len(currencies) == 2
    for href, count in currencies:
        assert _list_total(client_user, href.replace("&amp;", "&")) == int(count)
    assert _list_total(client_user, links["deals-all"]) == 3

    unread = int(re.search(r'data-testid="unread-dashboard-count">(\d+)<', page).group(1))
    notifications = client_user.get("/notifications/?unread=1").content.decode()
    assert unread == 1 == notifications.count("list-group-item d-flex")


def test_the_todo_filter_keeps_notes_and_emails_out(client_user, user):
    for kind in ("task", "call", "meeting", "email", "note"):
        _task(user, f"Voce {kind}", kind=kind)
    listed = client_user.get("/activities/?todo=true&status=open").content.decode()
    assert all(f"Voce {k}" in listed for k in ("task", "call", "meeting"))
    assert "Voce email" not in listed and "Voce note" not in listed
    others = client_user.get("/activities/?todo=false").content.decode()
    assert "Voce email" in others and "Voce task" not in others


# --- c: a lost deal needs its reason --------------------------------------------------


def test_a_lost_deal_needs_its_reason_everywhere(client_user, user, pipeline):
    lost = pipeline.stages.get(kind="lost")
    with pytest.raises(ValidationError) as info:
        sales.deal_create(actor=user, data={"title": "A", "stage": lost})
    assert "close_reason" in info.value.message_dict
    deal = sales.deal_create(actor=user, data={"title": "B"})
    with pytest.raises(ValidationError) as info:
        sales.deal_move(actor=user, deal=deal, stage=lost, expected_version=deal.version)
    assert "why the deal was lost" in info.value.message_dict["close_reason"][0]
    with pytest.raises(ValidationError):
        sales.deal_update(
            actor=user, deal=deal, data={"stage": lost}, expected_version=deal.version
        )
    deal.refresh_from_db()
    assert (deal.status, deal.version) == ("open", 1)

    # The board: refused with the message, then accepted with the reason.
    response = client_user.post(
        f"/deals/{deal.pk}/move/", {"stage": lost.pk, "version": deal.version}
    )
    assert response.status_code == 400
    assert "why the deal was lost" in response.json()["message"]
    response = client_user.post(
        f"/deals/{deal.pk}/move/",
        {"stage": lost.pk, "version": deal.version, "reason": "  Prezzo troppo alto "},
    )
    assert response.status_code == 200, response.content
    deal.refresh_from_db()
    assert (deal.status, deal.close_reason) == ("lost", "Prezzo troppo alto")

    # The form: the reason field says what is missing.
    other = sales.deal_create(actor=user, data={"title": "C"})
    page = client_user.get(f"/deals/{other.pk}/edit/").content.decode()
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    response = client_user.post(
        f"/deals/{other.pk}/edit/",
        {
            "title": "C",
            "pipeline": pipeline.pk,
            "stage": lost.pk,
            "amount": "0",
            "currency": "EUR",
            "version": version,
            "close_reason": "",
        },
    )
    assert response.status_code == 400
    assert 'data-field-error="close_reason"' in response.content.decode()

    # The deal page's "Mark as lost".
    page = client_user.get(f"/deals/{other.pk}/").content.decode()
    assert 'data-testid="lose-deal"' in page
    client_user.post(f"/deals/{other.pk}/lose/", {"version": "1", "reason": ""})
    other.refresh_from_db()
    assert other.status == "open"
    client_user.post(f"/deals/{other.pk}/lose/", {"version": "1", "reason": "Concorrente"})
    other.refresh_from_db()
    assert (other.status, other.close_reason, other.stage) == ("lost", "Concorrente", lost)


# --- d: one date format per language ------------------------------------------------------

FORMATS = {
    "en": r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d",
    "it": r"\d\d/\d\d/\d{4} \d\d:\d\d",
    "ro": r"\d\d\.\d\d\.\d{4}, \d\d:\d\d",
}


@pytest.mark.parametrize("language", ["en", "it", "ro"])
def test_history_and_timeline_show_the_languages_one_format(client_user, user, language):
    company = company_create(actor=user, data={"name": "Alfa S.p.A."})
    _task(user, "Chiamare Alfa")
    activity_create(actor=user, data={"kind": "call", "subject": "Sentiti", "company": company})
    client_user.post("/language/", {"language": language, "next": "/"})
    page = client_user.get(f"/companies/{company.pk}/").content.decode()
    timeline = client_user.get(f"/timeline/company/{company.pk}/").content.decode()
    now = timezone.localtime()
    with translation.override(language):
        expected = date_format(now, "SHORT_DATETIME_FORMAT")
        assert date_format(now, "DATETIME_FORMAT") == expected
        assert date_format(now.date(), "DATE_FORMAT") == date_format(
            now.date(), "SHORT_DATE_FORMAT"
        )
    assert re.fullmatch(FORMATS[language], expected)
    assert re.search(FORMATS[language], page) and re.search(FORMATS[language], timeline)
    others = [f for code, f in FORMATS.items() if code != language]
    assert not any(re.search(f, page + timeline) for f in others)


NAMED = {
    "DATE_FORMAT",
    "SHORT_DATE_FORMAT",
    "DATETIME_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "TIME_FORMAT",
    "c",
}  # "c": ISO 8601 for machines (<time datetime>)


def test_no_hard_coded_date_format_in_templates_or_code():
    found = []
    for path in PERNO.rglob("*.html"):
        for fmt in re.findall(r"\|date:[\"']([^\"']*)[\"']", path.read_text()):
            if fmt not in NAMED:
                found.append(f"{path}: {fmt}")
        if re.search(r"\|date\s*(?:}}|\|)", path.read_text()):
            found.append(f"{path}: |date without a named format")
    # Python: strftime only for file names and data files (exports), never for people.
    allowed = {"accounts/exports.py", "contacts/vcard.py"}
    for path in PERNO.rglob("*.py"):
        rel = str(path.relative_to(PERNO))
        if "/tests/" in f"/{rel}" or "migrations" in rel or rel in allowed:
            continue
        if re.search(r"strftime\([\"'][^\"']*%[YymdHIbBaAp]", path.read_text()):
            found.append(rel)
    assert not found, found


# --- e: records and users picked by name ----------------------------------------------


def test_ids_are_picked_by_name(client_user, user, make_user, pipeline, login_verified):
    company = company_create(actor=user, data={"name": "Beta S.r.l."})
    contact = contact_create(actor=user, data={"first_name": "Ana", "last_name": "Pop"})
    lead = sales.lead_create(actor=user, data={"first_name": "Ion", "last_name": "Ionescu"})
    pages = {
        "contact": client_user.get(f"/contacts/{contact.pk}/").content.decode(),
        "convert": client_user.get(f"/leads/{lead.pk}/convert/").content.decode(),
    }
    for name, page in pages.items():
        assert not re.search(
            r'<input type="number" name="(company|contact|owner|team|question|actor)"', page
        ), name
        assert 'inputmode="numeric"' not in page, name
        assert not re.search(r"(?i)\bid\b\s*(\(optional\))?\s*</label>", page), name
    assert 'data-lookup-url="/companies/lookup/"' in pages["contact"]
    assert 'data-lookup-url="/companies/lookup/"' in pages["convert"]

    # Linking a company by picking it.
    response = client_user.post(
        f"/contacts/{contact.pk}/companies/", {"company": company.pk, "job_title": "CEO"}
    )
    assert response.status_code == 200, response.content
    assert list(contact.companies.all()) == [company]


def test_segment_criteria_pick_users_teams_and_questions(client, make_user):
    user = make_user("mara", role="marketing", team="Marketing")
    client.force_login(user)
    page = client.get("/segments/new/").content.decode()
    assert 'data-testid="criteria-owner"' in page and 'data-testid="criteria-team"' in page
    assert f'<option value="{user.pk}">{user}</option>' in page
    assert 'inputmode="numeric"' not in page and "Question id" not in page
    # A segment's owner criterion from the user picker.
    client_user = client
    response = client_user.post(
        "/segments/new/",
        {
            "name": "Di Giulia",
            "kind": "dynamic",
            "c1-field": "owner",
            "c1-op": "eq",
            "c1-value": "",
            "c1-owner": str(user.pk),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Segment.objects.get(name="Di Giulia").criteria == [
        {"field": "owner", "op": "eq", "value": user.pk}
    ]
    edit = client_user.get(f"/segments/{Segment.objects.get().pk}/edit/").content.decode()
    assert f'<option value="{user.pk}" selected>{user}</option>' in edit


def test_the_company_picker_offers_only_what_the_user_may_see(client, admin_user, make_user):
    user = admin_user
    outsider = make_user("luca", role="support")  # sees every company, none confidential
    company_create(actor=user, data={"name": "Gamma Riservata", "is_confidential": True})
    company_create(actor=user, data={"name": "Gamma Aperta"})
    client.force_login(outsider)
    options = client.get("/companies/lookup/?q=Gamma").content.decode()
    assert "Gamma Aperta" in options and "Gamma Riservata" not in options


# --- f: notifications in the recipient's language --------------------------------------


def test_notifications_are_in_the_recipients_language(user, make_user, settings):
    User.objects.filter(pk=user.pk).update(language="it")
    ana = make_user("ana", team="Vendite Nord", first_name="Ana", last_name="Popescu")
    User.objects.filter(pk=ana.pk).update(language="ro")
    ana.refresh_from_db()
    due = timezone.now() + timedelta(days=1)
    with translation.override("it"):  # the sender works in Italian
        task = activity_create(
            actor=user, data={"kind": "task", "subject": "Offerta", "due_at": due, "assignee": ana}
        )
    notification = Notification.objects.get(user=ana)
    assert notification.activity == task
    assert "sarcină" in notification.title.lower() and "compito" not in notification.title.lower()
    # No notification to who gives a task to themselves.
    _task(user, "Mio")
    assert not Notification.objects.filter(user=user).exists()

    settings.PERNO_EMAIL_ENABLED = True
    with translation.override("it"):
        assert notification_email(notification_id=notification.pk)
    body = mail.outbox[-1].body
    with translation.override("ro"):
        stamp = date_format(timezone.localtime(due), "SHORT_DATETIME_FORMAT")
    assert f"Termen: {stamp}" in body and "Scadenza" not in body


def test_a_title_given_as_a_function_is_written_in_the_recipients_language(make_user):
    ana = make_user("ana2")
    User.objects.filter(pk=ana.pk).update(language="ro")
    ana.refresh_from_db()
    with translation.override("it"):
        notification = notify(user=ana, title=lambda: str(Activity.Kind.TASK.label))
    assert notification.title == "Sarcină"


# --- g: no menu before the second factor -----------------------------------------------


def test_no_menu_before_the_second_factor(client, user):
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client.force_login(user)
    page = client.get("/login/verify/", follow=True).content.decode()
    assert 'data-testid="nav-pending"' in page
    for word in ("Companies", "Contacts", "Deals", "Settings", "Security", "unread-count"):
        assert word not in page, word
    assert "Log out" in page


def test_no_menu_before_the_required_enrolment(client, make_user):
    admin = make_user("boss", role="administrator")
    client.force_login(admin)
    response = client.get("/", follow=True)
    page = response.content.decode()
    assert 'data-testid="nav-pending"' in page and "Companies" not in page


# --- i: favicon ---------------------------------------------------------------------------


def test_favicon(client, user):
    assert Client().get("/favicon.ico").status_code == 200
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client.force_login(user)  # also before the second factor: no redirect
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    page = Client().get("/login/").content.decode()
    assert 'rel="icon"' in page
