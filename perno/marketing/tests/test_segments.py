"""Segments: static lists and dynamic criteria over contact data, analytics scores,
fan types, survey answers and activity; counts; export under the export rights and
purpose limitation; bad criteria named by condition."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from perno.activities.models import Activity
from perno.analytics import refresh
from perno.analytics.models import CustomerScore
from perno.contacts.models import Contact
from perno.marketing import segments, services
from perno.marketing.models import Response, Segment
from perno.privacy.models import Notice, Purpose
from perno.privacy.services import consent_record
from perno.sales.models import Order

pytestmark = pytest.mark.django_db
AS_OF = date.today()


@pytest.fixture
def people(admin_user):
    rows = []
    for i in range(10):
        c = Contact.objects.create(
            first_name=f"N{i}",
            last_name="Rossi",
            email=f"n{i}@example.com",
            country="IT" if i % 2 else "RO",
            language="it" if i % 2 else "ro",
            owner=admin_user,
        )
        for k in range(i + 1):
            Order.objects.create(
                contact=c, ordered_on=AS_OF - timedelta(days=20 * k + 3 * i), total=Decimal(10 + i)
            )
        rows.append(c)
    Contact.objects.create(first_name="Prospect", last_name="Senza", country="IT")
    snapshot = refresh.refresh(AS_OF)
    assert snapshot.status == "done", snapshot.error
    return rows


def dynamic(admin_user, *criteria):
    return services.segment_create(
        actor=admin_user, data={"name": "S", "kind": "dynamic", "criteria": list(criteria)}
    )


def ids(segment):
    return set(segments.evaluate(segment).values_list("pk", flat=True))


def test_criteria_over_fields_and_scores_match_the_stored_data(admin_user, people):
    italy = dynamic(admin_user, {"field": "country", "op": "eq", "value": "it"})
    assert ids(italy) == set(Contact.objects.filter(country="IT").values_list("pk", flat=True))
    assert italy.count == 6  # five customers and the prospect
    best = CustomerScore.objects.get(contact=people[9], snapshot=refresh.latest()).rfm_segment
    chosen = dynamic(admin_user, {"field": "rfm_segment", "op": "in", "value": [best, "new"]})
    expected = set(
        CustomerScore.objects.filter(
            rfm_segment__in=[best, "new"], snapshot=refresh.latest()
        ).values_list("contact_id", flat=True)
    )
    assert ids(chosen) == expected and people[9].pk in expected
    frequent = dynamic(
        admin_user,
        {"field": "f", "op": "gte", "value": 4},
        {"field": "country", "op": "in", "value": ["RO"]},
    )
    expected = set(
        CustomerScore.objects.filter(
            f__gte=4, contact__country="RO", snapshot=refresh.latest()
        ).values_list("contact_id", flat=True)
    )
    assert ids(frequent) == expected
    prospects = dynamic(admin_user, {"field": "journey", "op": "in", "value": ["attraction"]})
    assert [c.first_name for c in segments.evaluate(prospects)] == ["Prospect"]


def test_activity_tags_and_processable(admin_user, people):
    Activity.objects.create(subject="Call", contact=people[0], kind="call")
    recent = dynamic(admin_user, {"field": "activity", "op": "within", "value": 30})
    assert ids(recent) == {people[0].pk}
    people[1].tags.create(name="vip")
    vip = dynamic(admin_user, {"field": "tag", "op": "has", "value": "VIP"})
    assert ids(vip) == {people[1].pk}
    purpose = Purpose.objects.create(code="news", name="Newsletter", legal_basis="consent")

    Notice.objects.create(purpose=purpose, version="1", text="Newsletter notice", language="it")
    consent_record(
        actor=admin_user, contact=people[3], purpose=purpose, kind="given", channel="operator"
    )
    allowed = dynamic(admin_user, {"field": "processable", "op": "eq", "value": "news"})
    assert ids(allowed) == {people[3].pk}


def test_bad_criteria_are_named_by_condition(admin_user, people):
    bad = [
        ({"field": "shoe_size", "op": "eq", "value": 1}, "Condition 1: unknown field “shoe_size”"),
        (
            {"field": "clv", "op": "eq", "value": 1},
            "Condition 1: “clv” takes the operators gte, lte.",
        ),
        ({"field": "clv", "op": "gte", "value": "lots"}, "Condition 1: “lots” is not a number."),
        ({"field": "rfm_segment", "op": "in", "value": ["vips"]}, "Condition 1: choose among"),
        ({"field": "created", "op": "after", "value": "31/12/2026"}, "give a date as YYYY-MM-DD"),
        (
            {"field": "answer", "op": "eq", "question": 99999, "value": "1"},
            "question 99999 does not exist or is in a survey you may not see",
        ),
        ({"field": "processable", "op": "eq", "value": "nope"}, "no purpose with the code “nope”"),
    ]
    for condition, message in bad:
        with pytest.raises(ValidationError) as caught:
            dynamic(admin_user, condition)
        assert message in " ".join(caught.value.messages), (condition, caught.value.messages)
    assert not Segment.objects.exists()


def test_a_condition_on_answers_takes_only_questions_of_surveys_the_user_may_see(
    admin_user, make_user, people
):
    purpose = Purpose.objects.create(code="fb", name="Feedback", legal_basis="legitimate_interest")
    survey = services.survey_from_template(actor=admin_user, purpose=purpose, languages=["it"])
    question = survey.questions.filter(kind="scale").first()
    condition = {"field": "answer", "op": "gte", "question": question.pk, "value": 9}
    manager = make_user("capo", role="manager", team="Nord")  # sees the team's surveys only
    with pytest.raises(ValidationError) as caught:
        dynamic(manager, condition)
    assert f"question {question.pk} does not exist or is in a survey you may not see" in " ".join(
        caught.value.messages
    )
    assert not Segment.objects.exists()
    assert dynamic(admin_user, condition).criteria[0]["question"] == question.pk


def test_static_lists_and_counts(admin_user, people):
    static = services.segment_create(
        actor=admin_user, data={"name": "Fiera 2026", "kind": "static"}
    )
    assert static.count == 0
    added, removed = services.segment_members_change(
        actor=admin_user, segment=static, add=[people[0].pk, people[1].pk]
    )
    assert (added, removed) == (2, 0) and static.count == 2
    added, removed = services.segment_members_change(
        actor=admin_user, segment=static, add=[people[1].pk], remove=[people[0].pk]
    )
    assert (added, removed) == (0, 1)
    assert ids(static) == {people[1].pk}
    with pytest.raises(ValidationError, match="No contacts with ids 424242"):
        services.segment_members_change(actor=admin_user, segment=static, add=[424242])
    with pytest.raises(ValidationError, match="Only static lists"):
        services.segment_members_change(
            actor=admin_user, segment=dynamic(admin_user), add=[people[0].pk]
        )


def test_export_keeps_to_the_purpose_and_the_export_rights(admin_user, make_user, people):
    purpose = Purpose.objects.create(
        code="promo", name="Promotions", legal_basis="legitimate_interest", is_direct_marketing=True
    )
    consent_record(
        actor=admin_user, contact=people[2], purpose=purpose, kind="objected", channel="operator"
    )
    everyone = dynamic(admin_user, {"field": "country", "op": "in", "value": ["IT", "RO"]})
    result = services.segment_export(actor=admin_user, segment=everyone, purpose=purpose, fmt="csv")
    rows = list(csv.DictReader(io.StringIO(result.content.decode("utf-8-sig"))))
    exported = {int(r["id"]) for r in rows}
    assert people[2].pk not in exported and len(exported) == everyone.count - 1
    seller = make_user("seller", role="sales")
    with pytest.raises(PermissionDenied):
        services.segment_export(actor=seller, segment=everyone, purpose=purpose, fmt="csv")


def test_survey_results_per_segment_on_the_survey_page(admin_user, people, client, login_verified):

    purpose = Purpose.objects.create(code="fb", name="Feedback", legal_basis="legitimate_interest")
    survey = services.survey_from_template(
        actor=admin_user, purpose=purpose, languages=["it", "ro"]
    )
    survey = services.survey_set_status(actor=admin_user, survey=survey, status="published")
    invitations = services.invitations_create(
        actor=admin_user, survey=survey, contacts=people[:4], send=False
    ).created
    for invitation, nps in zip(invitations, [10, 9, 2, 8], strict=True):
        by_role = {q.role: str(q.pk) for q in services.questions_for(invitation) if q.role}
        services.response_submit(
            invitation=invitation, raw={by_role["satisfaction"]: "8", by_role["nps"]: str(nps)}
        )
    romania = dynamic(admin_user, {"field": "country", "op": "eq", "value": "RO"})
    expected = services.nps_csat(Response.objects.filter(contact__country="RO"))
    login_verified(client, admin_user)
    html = client.get(f"{survey.get_absolute_url()}?segment={romania.pk}").content.decode()
    assert 'data-testid="segment-nps"' in html
    assert f"NPS {expected['nps']:.0f}" in html
