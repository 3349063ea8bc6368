"""Surveys: the fan template in every content language, publishing rules, personal
links (signed, expiring, once), the public page in the respondent's language, answers
on the timeline, NPS and CSAT, the fan principle, and bad input."""

from __future__ import annotations

import json
import zipfile
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from perno.activities.models import Activity
from perno.analytics.models import AnalyticsSettings
from perno.contacts.models import Contact
from perno.marketing import fans, selectors, services
from perno.marketing.languages import CONTENT_LANGUAGES
from perno.marketing.models import Answer, Invitation, Response, Survey
from perno.privacy import archive, retention
from perno.privacy.erasure import erase_contact
from perno.privacy.models import Purpose
from perno.privacy.services import consent_record

pytestmark = pytest.mark.django_db

ROLES_ORDER = ["satisfaction", *fans.BOND_ROLES, "nps"]


@pytest.fixture
def purpose(db):
    return Purpose.objects.create(
        code="feedback", name="Customer feedback", legal_basis="legitimate_interest"
    )


@pytest.fixture
def survey(admin_user, purpose, django_capture_on_commit_callbacks):
    made = services.survey_from_template(actor=admin_user, purpose=purpose)
    return services.survey_set_status(actor=admin_user, survey=made, status="published")


def person(name, language="it", email=True):
    return Contact.objects.create(
        first_name=name,
        last_name="Verdi",
        language=language,
        email=f"{name.lower()}@example.com" if email else "",
    )


def invite(admin_user, survey, *people):
    return services.invitations_create(actor=admin_user, survey=survey, contacts=people, send=False)


def fan_answers(invitation, s, bond, nps=8, comment=""):
    by_role = {q.role: str(q.pk) for q in services.questions_for(invitation) if q.role}
    raw = {by_role["satisfaction"]: str(s), by_role["nps"]: str(nps)}
    for role, value in zip(fans.BOND_ROLES, bond, strict=False):
        if value is not None:
            raw[by_role[role]] = str(value)
    if comment:
        text_q = next(q for q in services.questions_for(invitation) if q.kind == "text")
        raw[str(text_q.pk)] = comment
    return raw


def test_the_fan_template_ships_in_every_content_language(admin_user, purpose):
    made = services.survey_from_template(actor=admin_user, purpose=purpose)
    assert set(made.languages) == set(CONTENT_LANGUAGES) and len(CONTENT_LANGUAGES) >= 12
    assert {"it", "ro", "en", "de", "fr", "es", "pt", "nl", "pl", "hu", "cs", "el"} <= set(
        made.languages
    )
    assert services.publish_problems(made) == []
    roles = [q.role for q in made.questions.all() if q.role]
    assert roles == ROLES_ORDER
    for q in made.questions.all():
        assert set(q.text) == set(CONTENT_LANGUAGES)


def test_publishing_needs_every_language_and_the_fan_questions(admin_user, purpose):
    draft = services.survey_create(
        actor=admin_user,
        data={
            "name": "Quick",
            "languages": ["it", "de"],
            "purpose": purpose,
            "title": {"it": "Titolo"},
            "is_fan": True,
        },
    )
    services.question_save(
        actor=admin_user,
        survey=draft,
        data={
            "kind": "single",
            "text": {"it": "Colore?"},
            "choices": [{"text": {"it": "Rosso", "de": "Rot"}}, {"text": {"it": "Blu"}}],
        },
    )
    with pytest.raises(ValidationError) as caught:
        services.survey_set_status(actor=admin_user, survey=draft, status="published")
    text = " ".join(caught.value.messages)
    assert "The title has no Deutsch text." in text
    assert "Question 1 has no text in: Deutsch." in text
    assert "Question 1, choice 2 has no text in: Deutsch." in text
    assert "overall-satisfaction question" in text and "bond items" in text
    with pytest.raises(ValidationError, match="at least two choices"):
        services.question_save(
            actor=admin_user,
            survey=draft,
            data={"kind": "single", "text": {"it": "x"}, "choices": []},
        )
    with pytest.raises(ValidationError, match="must be of kind"):
        services.question_save(
            actor=admin_user,
            survey=draft,
            data={"kind": "text", "role": "nps", "text": {"it": "x"}},
        )
    with pytest.raises(ValidationError, match="Unknown languages"):
        services.survey_create(
            actor=admin_user, data={"name": "x", "languages": ["xx"], "purpose": purpose}
        )


def test_a_personal_link_is_answered_once_in_the_respondents_language(admin_user, survey, client):
    anna = person("Anna", language="pl")
    invitation = invite(admin_user, survey, anna).created[0]
    assert invitation.language == "pl" and invitation.audience == "b2c"
    url = f"/s/{services.link_token(invitation)}/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'lang="pl"' in html and "Wyślij odpowiedzi" in html
    assert "Ogólnie rzecz biorąc, jak bardzo jesteś z nas zadowolony/a?" in html
    done = client.post(url, fan_answers(invitation, 9, [5, 5, 4, 5, 4, 5], nps=10, comment="Super"))
    assert done.status_code == 200 and "Dziękujemy!" in done.content.decode()
    response = Response.objects.get(invitation=invitation)
    assert response.satisfaction == 90 and response.bond == pytest.approx((100 * 4 + 75 * 2) / 6)
    assert response.nps == 10 and response.language == "pl"
    assert Answer.objects.filter(response=response).count() == 9
    again = client.post(url, fan_answers(invitation, 1, [1, 1, 1, 1, 1, 1]))
    assert again.status_code == 409 and "już odpowiedziano" in again.content.decode()
    assert Response.objects.count() == 1
    timeline = Activity.objects.get(contact=anna, kind="survey")
    assert survey.name in timeline.subject and "Fan" in timeline.subject
    assert "Super" in timeline.description


def test_bad_answers_say_what_is_wrong_and_store_nothing(admin_user, survey):
    invitation = invite(admin_user, survey, person("Bruno")).created[0]
    by_role = {q.role: str(q.pk) for q in services.questions_for(invitation) if q.role}
    cases = [
        (fan_answers(invitation, 11, [5] * 6), by_role["satisfaction"]),  # 0-10 scale
        (fan_answers(invitation, 8, [6, 5, 5, 5, 5, 5]), by_role["bond_stay"]),  # 1-5
        (fan_answers(invitation, "7.5", [5] * 6), by_role["satisfaction"]),
        ({**fan_answers(invitation, 8, [5] * 6), by_role["nps"]: ""}, by_role["nps"]),  # required
    ]
    for raw, question in cases:
        with pytest.raises(ValidationError) as caught:
            services.response_submit(invitation=invitation, raw=raw)
        assert question in caught.value.message_dict
        message = caught.value.message_dict[question][0]
        assert message in (
            "Scegli un valore tra quelli proposti.",
            "Questa domanda richiede una risposta.",
        )
    with pytest.raises(ValidationError):
        services.response_submit(
            invitation=invitation, raw={**fan_answers(invitation, 8, [5] * 6), "999999": "1"}
        )
    assert not Response.objects.exists() and not Answer.objects.exists()
    invitation.refresh_from_db()
    assert invitation.answered_at is None


def test_tampered_expired_and_closed_links_are_refused(admin_user, survey, client):
    invitation = invite(admin_user, survey, person("Carla")).created[0]
    token = services.link_token(invitation)
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    page = client.get(f"/s/{tampered}/")
    assert page.status_code == 404 and "not valid" in page.content.decode()
    other = Invitation.objects.create(
        survey=survey,
        contact=invitation.contact,
        language="it",
        audience="b2c",
        nonce="x" * 32,
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    page = client.get(f"/s/{services.link_token(other)}/")
    assert page.status_code == 410 and "scaduto" in page.content.decode()
    services.survey_set_status(actor=admin_user, survey=survey, status="closed")
    page = client.get(f"/s/{token}/")
    assert page.status_code == 410 and "chiuso" in page.content.decode()
    assert not Response.objects.exists()


def test_invitations_respect_the_purpose_and_are_e_mailed(
    admin_user, survey, django_capture_on_commit_callbacks
):
    dora = person("Dora", language="de")
    objecting = person("Elio")
    silent = person("Fabio", email=False)
    consent_record(
        actor=admin_user,
        contact=objecting,
        purpose=survey.purpose,
        kind="objected",
        channel="operator",
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = services.invitations_create(
            actor=admin_user, survey=survey, contacts=[dora, objecting, silent]
        )
    assert [i.contact for i in result.created] == [dora]
    reasons = {p.first_name: str(r) for p, r in result.skipped}
    assert "may not be contacted" in reasons["Elio"] and "no e-mail" in reasons["Fabio"]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dora@example.com"] and message.subject == "Ihre Meinung über uns"
    assert "/s/" in message.body and "List-Unsubscribe" in message.extra_headers
    result.created[0].refresh_from_db()
    assert result.created[0].sent_at is not None


def test_nps_csat_and_the_fan_types(admin_user, survey):
    answers = [  # S (0-10), bond items (1-5), NPS
        (9, [5, 5, 5, 4, 5, 5], 10),  # S 90, B 96: fan
        (8, [4, 4, 3, 4, 4, 4], 9),  # S 80, B 70.8: sympathizer
        (8, [2, 2, 1, 2, None, None], 7),  # S 80, B 18.75 (4 items): mercenary
        (5, [4, 4, 4, 4, 4, 4], 6),  # S 50, B 75: captive
        (3, [1, 2, 1, 2, 1, 2], 2),  # S 30, B 12.5: opponent
        (9, [5, 5, 5, None, None, None], 9),  # only 3 bond items: no B, not placed
    ]
    for n, (s, bond, nps) in enumerate(answers):
        invitation = invite(admin_user, survey, person(f"P{n}")).created[0]
        services.response_submit(invitation=invitation, raw=fan_answers(invitation, s, bond, nps))
    figures = services.nps_csat(Response.objects.filter(survey=survey))
    # 3 promoters (10, 9, 9), 2 detractors (6, 2) of 6
    assert (figures["promoters"], figures["detractors"], figures["nps_n"]) == (3, 2, 6)
    assert figures["nps"] == pytest.approx(100 / 6)
    data = fans.portfolio()
    assert data["counts"] == {
        "fan": 1,
        "sympathizer": 1,
        "mercenary": 1,
        "captive": 1,
        "opponent": 1,
    }
    assert data["fan_quota"] == pytest.approx(20.0)
    unplaced = Response.objects.get(contact__first_name="P5")
    assert unplaced.bond is None and unplaced.bond_items == 3
    # thresholds are configurable: with a fan threshold of 70 the sympathizer is a fan
    config = AnalyticsSettings.current()
    config.fan_bond = 70
    config.save()
    assert fans.portfolio()["counts"]["fan"] == 2
    by_audience = services.nps_csat_by(Response.objects.filter(survey=survey), "audience")
    assert by_audience[0]["group"] == "b2c" and by_audience[0]["n"] == 6


@pytest.mark.parametrize(
    ("s", "b", "kind"),
    [
        (75, 75, "fan"),
        (75, 74.9, "sympathizer"),
        (75, 50, "sympathizer"),
        (75, 49.9, "mercenary"),
        (74.9, 50, "captive"),
        (74.9, 49.9, "opponent"),
        (100, 0, "mercenary"),
        (0, 100, "captive"),
    ],
)
def test_fan_type_boundaries(s, b, kind):
    assert fans.fan_type(s, b, fans.Thresholds()) == kind


def test_the_portfolio_shows_movement_since_the_previous_period(admin_user, survey):
    gino = person("Gino")
    old = invite(admin_user, survey, gino).created[0]
    services.response_submit(invitation=old, raw=fan_answers(old, 9, [2] * 6))  # mercenary
    Response.objects.filter(invitation=old).update(
        submitted_at=timezone.now() - timedelta(days=120)
    )
    Invitation.objects.filter(pk=old.pk).update(answered_at=timezone.now() - timedelta(days=120))
    new = Invitation.objects.create(
        survey=survey,
        contact=gino,
        language="it",
        audience="b2c",
        nonce="n" * 32,
        expires_at=timezone.now() + timedelta(days=5),
    )
    services.response_submit(invitation=new, raw=fan_answers(new, 9, [5] * 6))  # fan
    data = fans.portfolio(period_days=90)
    assert data["counts"]["fan"] == 1 and data["before_counts"]["mercenary"] == 1
    assert data["moves"] == [{"from": "mercenary", "to": "fan", "count": 1}]
    history = fans.history(gino.pk)
    assert [h["type"] for h in history] == ["fan", "mercenary"]


def test_answers_follow_retention_export_and_erasure(admin_user, survey, make_user):

    old, recent = person("Olga"), person("Rita")
    for who in (old, recent):
        invitation = invite(admin_user, survey, who).created[0]
        services.response_submit(
            invitation=invitation,
            raw=fan_answers(invitation, 8, [4] * 6, comment=f"note {who.first_name}"),
        )
    # profiling is kept two years (the register's starting rule)
    Response.objects.filter(contact=old).update(submitted_at=timezone.now() - timedelta(days=800))
    Invitation.objects.filter(contact=old).update(created_at=timezone.now() - timedelta(days=800))
    retention.run(dry_run=False)
    assert not Response.objects.filter(contact=old).exists()
    assert not Answer.objects.filter(response__contact=old).exists()
    assert not Invitation.objects.filter(contact=old).exists()
    assert Response.objects.filter(contact=recent).exists()
    path, _size, _sha = archive.build(contact=recent)
    with zipfile.ZipFile(path) as z:
        data = json.dumps(json.loads(z.read("data.json")))
    assert "marketing.response" in data and "note Rita" in data
    erase_contact(actor=make_user("dora", role="dpo"), contact=recent)
    assert not Response.objects.exists() and not Answer.objects.exists()


def test_counts_and_results_cover_only_the_contacts_the_user_may_see(
    admin_user, survey, make_user, client, login_verified
):
    """The aggregates rule: answers, invitations and segment sizes count only the
    contacts the user may see; a size stored over every contact is shown only to who
    sees them all."""
    seller = make_user(role="sales", team="North")
    Survey.objects.filter(pk=survey.pk).update(owner=seller, team=seller.team)
    mine, theirs = person("Mine"), person("Theirs")  # "Theirs" is outside the team
    Contact.objects.filter(pk=mine.pk).update(owner=seller, team=seller.team)
    for who, nps in ((mine, 10), (theirs, 0)):
        invitation = invite(admin_user, survey, who).created[0]
        services.response_submit(
            invitation=invitation, raw=fan_answers(invitation, 9, [5] * 6, nps)
        )
    assert selectors.survey_responses(user=admin_user, survey=survey).count() == 2
    seen = selectors.survey_responses(user=seller, survey=survey)
    assert list(seen.values_list("contact_id", flat=True)) == [mine.pk]
    figures = services.nps_csat(seen)
    assert (figures["promoters"], figures["detractors"]) == (1, 0)
    listed = selectors.survey_list(user=seller).get(pk=survey.pk)
    assert (listed.response_count, listed.invitation_count) == (1, 1)
    assert selectors.invitation_stats(survey, user=seller)["total"] == 1
    assert selectors.invitation_stats(survey, user=admin_user)["total"] == 2

    segment = services.segment_create(
        actor=admin_user,
        data={"name": "Everyone", "kind": "static", "owner": seller, "team": seller.team},
    )
    services.segment_members_change(actor=admin_user, segment=segment, add=[mine.pk, theirs.pk])
    login_verified(client, seller)
    page = client.get(f"/segments/{segment.pk}/").content.decode()
    assert 'data-testid="segment-count"' not in page and "Theirs" not in page
    assert "1 contact you may see" in page
    survey_page = client.get(f"/surveys/{survey.pk}/").content.decode()
    assert "Theirs" not in survey_page
    login_verified(client, admin_user)
    assert 'data-testid="segment-count"' in client.get(f"/segments/{segment.pk}/").content.decode()
