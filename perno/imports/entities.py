"""The record types an import writes, and what the engine needs to know about each: its
model and search kind (also the gate's subject), the columns it inserts, which keys
find its duplicates, and whether its rows are people (data source, consents, erasure
check)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from perno.activities.models import Activity
from perno.contacts.models import Company, Contact
from perno.sales.models import Deal, Lead, Order, Product

# Fields the engine fills itself, never from a column.
MANAGED = {"id", "owner", "team", "version", "created_at", "updated_at", "is_confidential"}


@dataclass(frozen=True)
class Spec:
    entity: str
    model: type[models.Model]
    label: Any
    duplicate_keys: tuple[str, ...] = ()
    person: bool = False  # a contact: data source, consents, erasure tombstones
    searchable: bool = True
    name_fields: tuple[str, ...] = field(default=())

    @property
    def kind(self) -> str:
        return self.entity

    @property
    def subject(self) -> str:
        return self.entity

    @cached_property
    def fields(self) -> dict[str, models.Field]:
        """The model's concrete columns by field name."""
        return {f.name: f for f in self.model._meta.concrete_fields}

    @cached_property
    def columns(self) -> list[str]:
        return [f.name for f in self.model._meta.concrete_fields]

    def fillable(self, key: str) -> bool:
        """Whether a target field ``key`` is a column of the model itself."""
        return key in self.fields and key not in MANAGED


SPECS: dict[str, Spec] = {
    spec.entity: spec
    for spec in (
        Spec(
            "company",
            Company,
            _("companies"),
            ("external_id", "email", "phone", "vat_number", "name_city"),
            name_fields=("name",),
        ),
        Spec(
            "contact",
            Contact,
            _("contacts"),
            ("external_id", "email", "phone", "name_city"),
            person=True,
            name_fields=("first_name", "last_name"),
        ),
        Spec("lead", Lead, _("leads"), ("email", "phone"), name_fields=("first_name", "last_name")),
        Spec("deal", Deal, _("deals"), (), name_fields=("title",)),
        Spec("product", Product, _("products"), ("sku",), name_fields=("name",)),
        Spec("activity", Activity, _("activities"), (), name_fields=("subject",)),
        Spec("order", Order, _("orders"), ("number",), searchable=False, name_fields=("number",)),
    )
}


def spec_of(entity: str) -> Spec:
    return SPECS[entity]
