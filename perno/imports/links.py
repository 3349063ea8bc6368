"""Links of import rows to stored records, resolved for the whole file at once:

- a company by external id, VAT number or exact name (case ignored), in that order;
- a contact by external id or e-mail (case ignored);
- an order's customer by external id: the contact, else the company;
- a deal's pipeline and stage by name (the default pipeline and its first stage when
  the file does not say).

A contact's company that is not stored yet is created with the contact (from its name
or external id); any other link that finds nothing is a problem of its row. Only the
records the importing user may see are looked at (through the gate): a record out of
their sight is "not stored" for them, with the same message, so the preview cannot tell
which records exist beyond what they may see."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from perno.accounts.permissions import restrict
from perno.contacts.models import Company, Contact
from perno.sales.models import Pipeline, Stage

BATCH = 5000


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    ordered = sorted(set(values))
    for start in range(0, len(ordered), BATCH):
        yield ordered[start : start + BATCH]


def _by(
    model: Any, user: Any, column: str, values: set[str], *, lower: bool = False
) -> dict[str, int]:
    found: dict[str, int] = {}
    seen = restrict(model._default_manager.all(), user, "view")
    for chunk in _chunks(v for v in values if v):
        if lower:
            rows = seen.annotate(_k=Lower(column)).filter(_k__in=chunk).values_list("_k", "pk")
        else:
            rows = seen.filter(**{f"{column}__in": chunk}).values_list(column, "pk")
        for key, pk in rows.order_by("pk"):
            found.setdefault(key, pk)
    return found


class Links:
    """The stored companies, contacts, customers and pipelines the rows name, among
    those ``user`` may see."""

    def __init__(self, rows: list[dict[str, Any]], user: Any) -> None:
        def values(key: str, *, lower: bool = False) -> set[str]:
            out = {str(r[key]).strip() for r in rows if r.get(key)}
            return {v.casefold() for v in out} if lower else out

        customers = values("customer_external_id")
        self.company_external = _by(
            Company, user, "external_id", values("company_external_id") | customers
        )
        self.company_vat = _by(Company, user, "vat_number", values("company_vat_number"))
        self.company_name = _by(
            Company, user, "name", values("company_name", lower=True), lower=True
        )
        self.contact_external = _by(
            Contact, user, "external_id", values("contact_external_id") | customers
        )
        self.contact_email = _by(
            Contact, user, "email", values("contact_email", lower=True), lower=True
        )
        self.pipelines = {p.name.casefold(): p for p in Pipeline.objects.all()}
        self.default_pipeline = Pipeline.objects.filter(is_default=True).first() or (
            Pipeline.objects.order_by("position", "pk").first()
        )
        self.stages: dict[tuple[int, str], int] = {}
        self.first_stage: dict[int, int] = {}
        for stage in Stage.objects.order_by("pipeline_id", "position", "pk"):
            self.stages.setdefault((stage.pipeline_id, stage.name.casefold()), stage.pk)
            self.first_stage.setdefault(stage.pipeline_id, stage.pk)

    def company(self, row: dict[str, Any]) -> int | None:
        external = str(row.get("company_external_id") or "").strip()
        if external and external in self.company_external:
            return self.company_external[external]
        vat = str(row.get("company_vat_number") or "").strip()
        if vat and vat in self.company_vat:
            return self.company_vat[vat]
        name = str(row.get("company_name") or "").strip().casefold()
        if name and name in self.company_name:
            return self.company_name[name]
        return None

    def contact(self, row: dict[str, Any]) -> int | None:
        external = str(row.get("contact_external_id") or "").strip()
        if external and external in self.contact_external:
            return self.contact_external[external]
        email = str(row.get("contact_email") or "").strip().casefold()
        if email and email in self.contact_email:
            return self.contact_email[email]
        return None

    def wants_company(self, row: dict[str, Any]) -> bool:
        return any(
            row.get(k) for k in ("company_external_id", "company_vat_number", "company_name")
        )

    def wants_contact(self, row: dict[str, Any]) -> bool:
        return any(row.get(k) for k in ("contact_external_id", "contact_email"))

    def pipeline_stage(self, row: dict[str, Any]) -> tuple[int | None, int | None, str]:
        """(pipeline id, stage id, problem) of a deal row."""
        name = str(row.get("pipeline") or "").strip().casefold()
        pipeline = self.pipelines.get(name) if name else self.default_pipeline
        if pipeline is None:
            return (
                None,
                None,
                (
                    _("No pipeline “%(name)s”.") % {"name": row.get("pipeline")}
                    if name
                    else _("There is no pipeline yet: create one (Settings → Pipelines) first.")
                ),
            )
        stage_name = str(row.get("stage") or "").strip().casefold()
        stage = (
            self.stages.get((pipeline.pk, stage_name))
            if stage_name
            else self.first_stage.get(pipeline.pk)
        )
        if stage is None:
            return (
                pipeline.pk,
                None,
                _("Pipeline “%(pipeline)s” has no stage “%(stage)s”.")
                % {
                    "pipeline": pipeline.name,
                    "stage": row.get("stage") or "",
                },
            )
        return pipeline.pk, stage, ""


def missing_company(key: str) -> str:
    return _("No company %(key)s is stored; import the companies first.") % {"key": key}


def missing_contact(key: str) -> str:
    return _("No contact %(key)s is stored; import the contacts first.") % {"key": key}
