"""Customer scores are profiling of a person: in the access export, gone with the
person on erasure; the orders stay for the accounts without the person."""

from __future__ import annotations

import json
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest

from perno.analytics import refresh
from perno.analytics.models import CustomerScore
from perno.contacts.models import Contact
from perno.privacy import archive
from perno.privacy.erasure import erase_contact
from perno.sales.models import CustomerCost, Order

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 6, 30)


@pytest.fixture
def scored():
    people = [Contact.objects.create(first_name=f"P{i}", last_name="Bianchi") for i in range(5)]
    for i, person in enumerate(people):
        for k in range(i + 1):
            Order.objects.create(
                contact=person, ordered_on=AS_OF - timedelta(days=30 * k + 5), total=Decimal("20")
            )
    snapshot = refresh.refresh(AS_OF)
    return people[-1], snapshot


def test_the_access_export_holds_the_scores(scored):
    person, snapshot = scored
    path, _size, _sha = archive.build(contact=person)
    with zipfile.ZipFile(path) as z:
        data = json.loads(z.read("data.json"))
    tables = json.dumps(data)
    assert "analytics.customerscore" in tables
    score = CustomerScore.objects.get(contact=person, snapshot=snapshot)
    assert score.rfm_segment in tables


def test_erasure_removes_the_scores_and_keeps_the_orders_without_the_person(scored, make_user):
    person, snapshot = scored

    CustomerCost.objects.create(contact=person, incurred_on=AS_OF, amount=5, description="Visita")
    orders = list(Order.objects.filter(contact=person).values_list("pk", flat=True))
    assert CustomerScore.objects.filter(contact=person).exists()
    counts = erase_contact(actor=make_user("dora", role="dpo"), contact=person)
    assert counts["analytics.customerscore"] == 1
    assert not CustomerScore.objects.filter(contact_id=person.pk).exists()
    assert not CustomerCost.objects.exists()
    kept = Order.objects.filter(pk__in=orders)
    assert kept.count() == len(orders) and not kept.filter(contact__isnull=False).exists()
    # the next refresh leaves anonymized orders out
    again = refresh.refresh(AS_OF)
    assert again.customers == snapshot.customers - 1
