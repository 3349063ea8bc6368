from __future__ import annotations

from typing import Any

import pytest

from perno.cases import services
from perno.cases.models import (
    Case,
    CaseCategory,
    CaseCounter,
    Queue,
    QueueCategoryRule,
    QueueMember,
)
from perno.contacts.models import Company
from perno.core.privacy import registry
from perno.privacy.erasure import erase_contact
from perno.privacy.subject import rows_about
from perno.search.models import SearchEntry

pytestmark = pytest.mark.django_db


def test_every_case_model_is_declared():
    declared = registry()
    for model in (Case, CaseCategory, CaseCounter, Queue, QueueCategoryRule, QueueMember):
        assert model in declared, model
    case = declared[Case]
    assert case.personal == {"subject": "free_text", "description": "free_text"}
    assert case.about == ("contact",) and case.shared == ("company",)
    assert case.retain_from == "closed_at"


def test_erasing_a_contact_deletes_their_cases_and_keeps_their_companys(
    make_user, agents, queue, customer, teams
):
    acme = Company.objects.create(name="Acme", team=teams["north"])

    def opened(**data: Any) -> Case:
        return services.case_create(
            actor=agents["anna"],
            data={
                "subject": "Maria Bianchi cannot log in",
                "description": "Call Maria at maria.bianchi@example.com",
                "queue": queue,
                "contact": customer,
                **data,
            },
        )

    own = opened()
    shared = opened(company=acme)
    about = {row.model for row in rows_about(customer)}
    assert Case in about
    erase_contact(actor=make_user("dora", role="dpo"), contact=customer)
    assert not Case.objects.filter(pk=own.pk).exists()
    assert not SearchEntry.objects.filter(kind="case", object_id=own.pk).exists()
    kept = Case.objects.get(pk=shared.pk)
    assert kept.contact is None and kept.company == acme
    assert "Maria" not in kept.subject and "Bianchi" not in kept.subject
    assert "maria.bianchi@example.com" not in kept.description
