"""The record types the generic UI pieces (owner change, timeline, comments) work on:
glue to each app's selectors and services, no logic of its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import Http404

from perno.activities import selectors as activity_selectors
from perno.activities import services as activity_services
from perno.contacts import selectors as contact_selectors
from perno.contacts import services as contact_services
from perno.records.reads import record_shown
from perno.sales import selectors as sales_selectors
from perno.sales import services as sales_services


@dataclass(frozen=True)
class RecordType:
    get: Callable[..., Any]
    update: Callable[..., Any]


RECORD_TYPES: dict[str, RecordType] = {
    "company": RecordType(
        contact_selectors.company_get,
        lambda actor, obj, data, version: contact_services.company_update(
            actor=actor, company=obj, data=data, expected_version=version
        ),
    ),
    "contact": RecordType(
        contact_selectors.contact_get,
        lambda actor, obj, data, version: contact_services.contact_update(
            actor=actor, contact=obj, data=data, expected_version=version
        ),
    ),
    "lead": RecordType(
        sales_selectors.lead_get,
        lambda actor, obj, data, version: sales_services.lead_update(
            actor=actor, lead=obj, data=data, expected_version=version
        ),
    ),
    "deal": RecordType(
        sales_selectors.deal_get,
        lambda actor, obj, data, version: sales_services.deal_update(
            actor=actor, deal=obj, data=data, expected_version=version
        ),
    ),
    "product": RecordType(
        sales_selectors.product_get,
        lambda actor, obj, data, version: sales_services.product_update(
            actor=actor, product=obj, data=data, expected_version=version
        ),
    ),
    "activity": RecordType(
        activity_selectors.activity_get,
        lambda actor, obj, data, version: activity_services.activity_update(
            actor=actor, activity=obj, data=data, expected_version=version
        ),
    ),
}


def record_get(user: Any, record_type: str, pk: Any, action: str = "view") -> Any:
    kind = RECORD_TYPES.get(record_type)
    if kind is None:
        raise Http404
    return record_shown(kind.get(user=user, pk=pk, action=action), user=user, purpose=action)
