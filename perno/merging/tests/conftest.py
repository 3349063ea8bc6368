"""A contact with one of every kind of related record, for the merge tests."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from perno.activities.models import Activity, Attachment, Comment
from perno.analytics.models import CustomerScore, Snapshot
from perno.contacts import services as contact_services
from perno.contacts.models import Company, Contact
from perno.marketing.models import Invitation, Response, Segment, SegmentMember, Survey
from perno.privacy.models import (
    ConsentEvent,
    ConsentRequest,
    DataSource,
    Notice,
    Purpose,
    Restriction,
    SubjectRequest,
)
from perno.sales.models import CustomerCost, Deal, Lead, Order
from perno.search.models import SearchVisit


@pytest.fixture
def full_contact(user: Any, pipeline: Any) -> Any:
    """Build ``(contact, company, rows)``: a contact with one row of each related kind."""

    def build(first: str = "Maria", last: str = "Bianchi", **data: Any) -> tuple[Any, Any, dict]:
        company = contact_services.company_create(actor=user, data={"name": f"{last} S.p.A."})
        contact = contact_services.contact_create(
            actor=user, data={"first_name": first, "last_name": last, **data}, tags=[last.lower()]
        )
        contact_services.contact_link_company(actor=user, contact=contact, company=company)
        contact_services.address_add(
            actor=user, record=contact, data={"street": "Via Roma 1", "city": "Milano"}
        )
        stage = pipeline.stages.first()
        now = timezone.now()
        today = now.date()
        purpose = Purpose.objects.filter(legal_basis="consent").first()
        assert purpose is not None
        notice = Notice.objects.filter(purpose=purpose).first() or Notice.objects.create(
            purpose=purpose, version="1", text="We write to you about our offers."
        )
        survey = Survey.objects.create(name=f"NPS {last}", purpose=purpose)
        invitation = Invitation.objects.create(
            survey=survey,
            contact=contact,
            language="it",
            audience="all",
            nonce=f"n-{last}",
            expires_at=now + datetime.timedelta(days=5),
        )
        comment = Comment.objects.create(contact=contact, body="Called", author=user)
        snapshot = Snapshot.objects.create(as_of=today, currency="EUR")
        rows = {
            "deal": Deal.objects.create(
                title="Deal", pipeline=pipeline, stage=stage, contact=contact, owner=user
            ),
            "order": Order.objects.create(ordered_on=today, total=Decimal(10), contact=contact),
            "cost": CustomerCost.objects.create(
                incurred_on=today, amount=Decimal(1), description="Gift", contact=contact
            ),
            "lead": Lead.objects.create(last_name=last, converted_contact=contact, owner=user),
            "activity": Activity.objects.create(subject="Call", contact=contact, owner=user),
            "comment": comment,
            "attachment": Attachment.objects.create(
                comment=comment,
                file="attachments/a.txt",
                original_name="a.txt",
                content_type="text/plain",
                size=1,
                sha256="0" * 64,
            ),
            "consent": ConsentEvent.objects.create(
                contact=contact,
                purpose=purpose,
                kind="given",
                occurred_at=now - datetime.timedelta(days=10),
                channel="web_form",
            ),
            "consent_request": ConsentRequest.objects.create(
                contact=contact,
                purpose=purpose,
                notice=notice,
                expires_at=now + datetime.timedelta(days=1),
                nonce=f"c-{last}",
            ),
            "source": DataSource.objects.create(contact=contact, channel="import"),
            "restriction": Restriction.objects.create(contact=contact, reason="Disputed"),
            "request": SubjectRequest.objects.create(
                contact=contact,
                kind="access",
                received_on=today,
                channel="email",
                requester_name=f"{first} {last}",
                due_on=today + datetime.timedelta(days=30),
            ),
            "invitation": invitation,
            "response": Response.objects.create(
                invitation=invitation,
                survey=survey,
                contact=contact,
                language="it",
                audience="all",
            ),
            "member": SegmentMember.objects.create(
                segment=Segment.objects.create(name=f"Seg {last}"), contact=contact
            ),
            "score": score(snapshot, contact=contact),
            "visit": SearchVisit.objects.create(user=user, kind="contact", object_id=contact.pk),
        }
        return Contact.objects.get(pk=contact.pk), Company.objects.get(pk=company.pk), rows

    return build


def score(snapshot: Any, **customer: Any) -> CustomerScore:
    today = snapshot.as_of
    return CustomerScore.objects.create(
        snapshot=snapshot,
        orders=1,
        purchase_days=1,
        first_order=today,
        last_order=today,
        recency_days=0,
        revenue=Decimal(10),
        contribution=Decimal(10),
        cost_known=False,
        r=1,
        f=1,
        m=1,
        rfm_segment="potential_loyalists",
        history="short",
        journey="attraction",
        **customer,
    )
