"""The survey editor and the segment pages: forms, errors in place, nothing half-saved."""

from __future__ import annotations

import pytest

from perno.contacts.models import Contact
from perno.marketing.models import Question, Segment, Survey
from perno.privacy.models import Purpose

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, admin_user, login_verified):
    login_verified(client, admin_user)
    return client


@pytest.fixture
def purpose(db):
    return Purpose.objects.create(code="fb", name="Feedback", legal_basis="legitimate_interest")


def test_write_a_survey_with_its_questions_and_publish_it(admin, purpose):
    page = admin.post(
        "/surveys/new/",
        {
            "name": "Post-vendita",
            "purpose": purpose.pk,
            "languages": ["it", "en"],
            "link_days": "14",
            "title_it": "Com'è andata?",
        },
    )
    assert page.status_code == 302, page.content.decode()[:500]
    survey = Survey.objects.get()
    assert survey.languages == ["it", "en"] and survey.title == {"it": "Com'è andata?"}
    bad = admin.post(
        f"/surveys/{survey.pk}/questions/new/",
        {"kind": "single", "audience": "all", "text_it": "Canale?", "choices_it": "Negozio"},
    )
    assert bad.status_code == 400 and "at least two choices" in bad.content.decode()
    assert not Question.objects.exists()
    good = admin.post(
        f"/surveys/{survey.pk}/questions/new/",
        {
            "kind": "single",
            "audience": "b2b",
            "required": "on",
            "text_it": "Canale?",
            "choices_it": "Negozio\nOnline",
            "choices_en": "Shop\nOnline",
        },
    )
    assert good.status_code == 302
    question = Question.objects.get()
    assert question.audience == "b2b" and [c["text"] for c in question.choices] == [
        {"it": "Negozio", "en": "Shop"},
        {"it": "Online", "en": "Online"},
    ]
    refused = admin.post(f"/surveys/{survey.pk}/status/", {"status": "published"}, follow=True)
    html = refused.content.decode()
    assert (
        "The title has no English text." in html and "Question 1 has no text in: English." in html
    )
    assert Survey.objects.get().status == "draft"
    detail = admin.get(survey.get_absolute_url()).content.decode()
    assert 'data-testid="publish-problems"' in detail


def test_the_fan_template_from_the_list_page(admin, purpose):
    answer = admin.post("/surveys/fan-template/", {"purpose": purpose.pk})
    survey = Survey.objects.get()
    assert answer.status_code == 302 and answer["Location"] == survey.get_absolute_url()
    assert survey.is_fan and survey.questions.count() == 9
    assert admin.post("/surveys/fan-template/", {"purpose": ""}).status_code == 302
    assert Survey.objects.count() == 1


def test_segment_pages(admin, admin_user, purpose):
    for i in range(3):
        Contact.objects.create(
            first_name=f"Seg-{i}",  # a hyphen: never in a CSRF token of the page
            last_name="Rossi",
            country="IT" if i else "RO",
            email=f"s{i}@example.com",
        )
    bad = admin.post(
        "/segments/new/",
        {
            "name": "Italia",
            "kind": "dynamic",
            "c1-field": "country",
            "c1-op": "gte",
            "c1-value": "IT",
        },
    )
    assert bad.status_code == 400
    assert "Condition 1: “country” takes the operators eq, in." in bad.content.decode()
    assert not Segment.objects.exists()
    good = admin.post(
        "/segments/new/",
        {
            "name": "Italia",
            "kind": "dynamic",
            "c1-field": "country",
            "c1-op": "eq",
            "c1-value": "IT",
        },
    )
    assert good.status_code == 302
    segment = Segment.objects.get()
    assert (
        segment.criteria == [{"field": "country", "op": "eq", "value": "IT"}] and segment.count == 2
    )
    detail = admin.get(segment.get_absolute_url()).content.decode()
    assert "Seg-1" in detail and "Seg-2" in detail and "Seg-0" not in detail
    export = admin.get(f"/segments/{segment.pk}/export/", {"purpose": purpose.pk, "format": "csv"})
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    assert export.content.decode("utf-8-sig").count("\n") == 3  # header and two contacts
    missing = admin.get(f"/segments/{segment.pk}/export/", {"format": "csv"}, follow=True)
    assert "Choose the purpose the export is for" in missing.content.decode()
    static = admin.post("/segments/new/", {"name": "Fiera", "kind": "static"})
    assert static.status_code == 302
    fair = Segment.objects.get(name="Fiera")
    first = Contact.objects.get(first_name="Seg-0")
    admin.post(f"/segments/{fair.pk}/members/", {"add": first.pk})
    fair.refresh_from_db()
    assert fair.count == 1
