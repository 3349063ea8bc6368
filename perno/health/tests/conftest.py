"""A hand-built data set whose every figure is known (see ``EXPECTED``)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from perno.accounts.models import User
from perno.activities.models import Activity
from perno.contacts.models import Address, Affiliation, Company, Contact
from perno.privacy.models import Breach, Notice, Purpose, Restriction, SubjectRequest
from perno.privacy.services import consent_record
from perno.sales.models import Deal

VALID_VAT = "IT00743110157"
BAD_VAT = "IT12345678901"

# Contacts: 5 (4 owned by the administrator, one by the sales user); companies: 3 (all the
# administrator's); deals: 3 (2 open).
EXPECTED = {
    "contact": {
        "total": 5,
        "email": 1,
        "phone": 1,
        "company": 4,
        "address": 4,
        "owner": 1,
        "duplicate": 2,
        "stale": 1,
        "bad_email": 1,
        "bad_phone": 2,
        "no_basis": 3,
    },
    "company": {
        "total": 3,
        "email": 1,
        "phone": 1,
        "vat": 0,
        "address": 2,
        "owner": 0,
        "duplicate": 2,
        "stale": 0,
        "bad_email": 1,
        "bad_phone": 1,
        "bad_vat": 1,
    },
    "deal": {"total": 3, "open": 2, "overdue": 1, "no_next_step": 1},
}


@pytest.fixture
def world(db: Any, admin_user: User, make_user: Any, pipeline: Any) -> SimpleNamespace:
    now = timezone.now()
    sales = make_user("seller", role="sales", team="Vendite Sud")
    Purpose.objects.update(is_active=False)  # the starting register: one purpose below
    newsletter = Purpose.objects.create(
        code="health-news", name="Newsletter", legal_basis="consent"
    )
    Notice.objects.create(purpose=newsletter, version="1", language="en", text="Newsletter.")

    def contact(**data: Any) -> Contact:
        data.setdefault("owner", admin_user)
        return Contact.objects.create(first_name="Ada", last_name="Test", **data)

    c1 = contact(email="ada@example.com", phone="+390612345678")
    c2 = contact(email="bad@nodot", phone="0612345678", mobile="+393471234567")
    c3 = contact(email="ada@example.com", owner=None)
    c4 = contact(phone="+39123")
    c5 = contact(email="sud@example.com", mobile="+40721234567", owner=sales)
    Contact.objects.filter(pk=c4.pk).update(updated_at=now - timedelta(days=800))

    co1 = Company.objects.create(
        name="Alfa",
        owner=admin_user,
        vat_number=VALID_VAT,
        email="info@alfa.it",
        phone="+390612345678",
    )
    co2 = Company.objects.create(name="Beta", owner=admin_user, vat_number=BAD_VAT, phone="06 1234")
    co3 = Company.objects.create(
        name="Gamma", owner=admin_user, vat_number=VALID_VAT, email="gamma@@x.it"
    )
    Affiliation.objects.create(contact=c1, company=co1)
    Address.objects.create(contact=c1, street="Via Roma 1", city="Roma")
    Address.objects.create(company=co1, street="Via Roma 1", city="Roma")

    consent_record(
        actor=admin_user, contact=c1, purpose=newsletter, kind="given", channel="operator"
    )
    Restriction.objects.create(contact=c5, reason="Contested accuracy", started_by=admin_user)

    stage = pipeline.stages.order_by("position").first()
    won = pipeline.stages.filter(kind="won").first() or stage
    d1 = Deal.objects.create(
        title="Late",
        pipeline=pipeline,
        stage=stage,
        owner=admin_user,
        expected_close_date=timezone.localdate() - timedelta(days=3),
    )
    d2 = Deal.objects.create(
        title="Planned",
        pipeline=pipeline,
        stage=stage,
        owner=admin_user,
        expected_close_date=timezone.localdate() + timedelta(days=30),
    )
    Deal.objects.create(
        title="Won",
        pipeline=pipeline,
        stage=won,
        owner=admin_user,
        status="won",
        expected_close_date=timezone.localdate() - timedelta(days=10),
    )
    Activity.objects.create(
        subject="Call back",
        kind="call",
        deal=d2,
        owner=admin_user,
        due_at=now + timedelta(days=2),
    )
    Activity.objects.create(subject="Old note", kind="note", contact=c1, owner=admin_user)

    today = timezone.localdate()
    SubjectRequest.objects.create(
        kind="access",
        received_on=today - timedelta(days=40),
        channel="email",
        requester_name="A",
        due_on=today - timedelta(days=9),
    )
    SubjectRequest.objects.create(
        kind="access",
        received_on=today - timedelta(days=25),
        channel="email",
        requester_name="B",
        due_on=today + timedelta(days=5),
    )
    SubjectRequest.objects.create(
        kind="access",
        received_on=today,
        channel="email",
        requester_name="C",
        due_on=today + timedelta(days=30),
    )
    Breach.objects.create(
        title="Laptop lost",
        description="A laptop was lost.",
        discovered_at=now - timedelta(hours=80),
        recorded_by=admin_user,
    )
    User.objects.filter(pk=admin_user.pk).update(last_login=now)
    User.objects.filter(pk=sales.pk).update(last_login=now - timedelta(days=90))
    return SimpleNamespace(
        admin=admin_user,
        sales=sales,
        contacts=[c1, c2, c3, c4, c5],
        companies=[co1, co2, co3],
        deals=[d1, d2],
    )
