"""The write phase of an import (inside the engine's transaction), and the checks about
people made before it:

- someone who asked to be forgotten (an erasure tombstone matches the row's e-mail,
  phone, mobile or external id) is not created again: the row is refused, saying why;
- a consent column saying "yes" needs the purpose's published notice (the proof of
  what the person read); without one the row is refused, naming the purpose;
- every contact the import creates or updates records where its data came from
  (``privacy.DataSource``: the file's name and the import, who, when: Art. 14), and each
  consent cell becomes a step of its consent history with that proof (channel
  "import", the file as source).

``write`` returns the counts and the ids of what it created (by record type) for the
job's summary and its undo."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from perno.contacts.models import Address, Affiliation, Contact
from perno.imports import writer
from perno.imports.entities import SPECS, Spec, spec_of
from perno.imports.fields import ADDRESS_KEYS, CONSENT_PREFIX
from perno.imports.links import Links
from perno.imports.models import ImportJob
from perno.imports.tables import ROW
from perno.privacy.erasure import forgotten_among
from perno.privacy.models import Channel, DataSource, Purpose, TombstoneHash
from perno.privacy.services import consent_record, current_notice
from perno.records import bulk
from perno.sales.models import Order, OrderLine

LINKS = {
    "company_name",
    "company_external_id",
    "company_vat_number",
    "contact_email",
    "contact_external_id",
    "customer_external_id",
    "pipeline",
    "stage",
}
# A link key that is a plain column of the record type itself (a lead's company name).
OWN_COLUMNS = {("lead", "company_name")}
PERSON_KEYS = ("email", "phone", "mobile", "external_id")


def check(spec: Spec, rows: Iterable[Any]) -> None:
    """Refuse rows about erased people, and "yes" consents without a notice."""
    rows = [r for r in rows if not r.problems]
    if spec.entity in ("contact", "lead") and TombstoneHash.objects.exists():
        values = {str(r.values[k]) for r in rows for k in PERSON_KEYS if r.values.get(k)}
        erased = forgotten_among(sorted(values))
        for row in rows:
            if any(str(row.values.get(k)) in erased for k in PERSON_KEYS if row.values.get(k)):
                row.erased = True
                row.problems[ROW] = _(
                    "This person asked to be forgotten (their data was erased); they are not imported again."
                )
    if spec.entity != "contact":
        return
    codes = {
        k.removeprefix(CONSENT_PREFIX)
        for r in rows
        for k in r.values
        if k.startswith(CONSENT_PREFIX)
    }
    purposes = {p.code: p for p in Purpose.objects.filter(code__in=codes)}
    noticed: dict[tuple[str, str], bool] = {}
    for row in rows:
        for code, given in consents_of(row.values).items():
            if not given or code not in purposes:
                continue
            language = str(row.values.get("language") or "")
            key = (code, language)
            if key not in noticed:
                noticed[key] = current_notice(purposes[code], language) is not None
            if not noticed[key]:
                row.problems[f"{CONSENT_PREFIX}{code}"] = _(
                    "Purpose “%(name)s” has no published notice, so a consent cannot be recorded: publish the text people read (Privacy → Register), then import again."
                ) % {"name": purposes[code].name}


def consents_of(values: dict[str, Any]) -> dict[str, bool]:
    return {
        key.removeprefix(CONSENT_PREFIX): bool(value)
        for key, value in values.items()
        if key.startswith(CONSENT_PREFIX) and value is not None
    }


def _attrs(spec: Spec, values: dict[str, Any], links: Links) -> dict[str, Any]:
    out: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    for key, value in values.items():
        if key.startswith("custom_fields."):
            custom[key.removeprefix("custom_fields.")] = value
        elif (key not in LINKS or (spec.entity, key) in OWN_COLUMNS) and spec.fillable(key):
            out[spec.fields[key].attname] = value
    if custom:
        out["custom_fields"] = custom
    if spec.entity in ("deal", "activity"):
        if links.wants_company(values):
            out["company_id"] = links.company(values)
        if links.wants_contact(values):
            out["contact_id"] = links.contact(values)
    if spec.entity == "deal":
        out["pipeline_id"], out["stage_id"], _problem = links.pipeline_stage(values)
    return out


def _new_companies(actor: Any, rows: list[Any], links: Links) -> list[int]:
    """The companies the contacts name that are not stored yet, created once each."""
    wanted: dict[str, dict[str, Any]] = {}
    for row in rows:
        values = row.values
        if not links.wants_company(values) or links.company(values) is not None:
            continue
        external = str(values.get("company_external_id") or "").strip()
        name = str(values.get("company_name") or "").strip()
        key = external or name.casefold() or str(values.get("company_vat_number"))
        wanted.setdefault(
            key,
            {
                "name": name or external or str(values.get("company_vat_number")),
                "external_id": external,
                "vat_number": str(values.get("company_vat_number") or ""),
            },
        )
    if not wanted:
        return []
    created = list(wanted.values())
    ids = writer.create(SPECS["company"], actor=actor, rows=created)
    for pk, attrs in zip(ids, created, strict=True):
        if attrs["external_id"]:
            links.company_external[attrs["external_id"]] = pk
        if attrs["vat_number"]:
            links.company_vat[attrs["vat_number"]] = pk
        links.company_name.setdefault(attrs["name"].casefold(), pk)
    return ids


def _new_customers(actor: Any, job: ImportJob, rows: list[Any], links: Links) -> list[int]:
    keys = sorted(
        {
            str(r.values["customer_external_id"]).strip()
            for r in rows
            if r.values.get("customer_external_id")
        }
        - set(links.contact_external)
        - set(links.company_external)
    )
    if not keys:
        return []
    attrs = [{"first_name": _("Customer"), "last_name": key, "external_id": key} for key in keys]
    ids = writer.create(SPECS["contact"], actor=actor, rows=attrs)
    links.contact_external.update(zip(keys, ids, strict=True))
    _sources(actor, job, ids)
    return ids


def _sources(actor: Any, job: ImportJob, ids: list[int]) -> None:
    now = timezone.now()
    detail = (_("%(file)s (import %(id)s)") % {"file": job.file_name, "id": job.pk})[:500]
    who = actor.pk if getattr(actor, "pk", None) else None
    bulk.insert(
        DataSource,
        ["contact_id", "channel", "detail", "recorded_by_id", "recorded_at"],
        ([pk, Channel.IMPORT, detail, who, now] for pk in ids),
    )


def _addresses(owner: str, pairs: list[tuple[int, dict[str, Any]]]) -> None:
    now = timezone.now()
    default_kind = Address.Kind.HOME if owner == "contact" else Address.Kind.OFFICE
    rows = []
    for pk, values in pairs:
        if not values.get("address_street"):
            continue
        rows.append(
            [
                pk if owner == "company" else None,
                pk if owner == "contact" else None,
                values.get("address_kind") or default_kind,
                values["address_street"],
                values.get("address_city") or "",
                values.get("address_postal_code") or "",
                values.get("address_region") or "",
                values.get("address_country") or values.get("country") or "IT",
                now,
                now,
            ]
        )
    bulk.insert(
        Address,
        [
            "company_id",
            "contact_id",
            "kind",
            "street",
            "city",
            "postal_code",
            "region",
            "country",
            "created_at",
            "updated_at",
        ],
        rows,
    )


def _consents(actor: Any, job: ImportJob, pairs: list[tuple[int, dict[str, bool]]]) -> None:
    wanted = [(pk, c) for pk, c in pairs if c]
    if not wanted:
        return
    contacts = Contact.objects.in_bulk([pk for pk, _c in wanted])
    source = _("%(file)s (import %(id)s)") % {"file": job.file_name, "id": job.pk}
    for pk, consents in wanted:
        for code, given in sorted(consents.items()):
            consent_record(
                actor=actor,
                contact=contacts[pk],
                purpose=code,
                kind="given" if given else "withdrawn",
                channel=Channel.IMPORT,
                source=source,
                note=_("Recorded from the imported file's consent column."),
            )


def write(job: ImportJob, actor: Any, plan: Any) -> dict[str, Any]:
    spec = spec_of(job.entity)
    creates = [r for r in plan.rows if r.decision == "create"]
    updates = [r for r in plan.rows if r.decision == "update"]
    links = Links([r.values for r in creates + updates], actor)
    created_ids: dict[str, list[int]] = {}
    if spec.entity == "contact":
        created_ids["company"] = _new_companies(actor, creates, links)
    if spec.entity == "order":
        created_ids["contact"] = _new_customers(actor, job, creates, links)
    rows = [_attrs(spec, r.values, links) for r in creates]
    if spec.entity == "order":
        for attrs, row in zip(rows, creates, strict=True):
            key = str(row.values.get("customer_external_id") or "").strip()
            contact = links.contact_external.get(key) or links.contact(row.values)
            attrs["contact_id"] = contact
            attrs["company_id"] = (
                None if contact else (links.company_external.get(key) or links.company(row.values))
            )
            attrs["source"] = Order.Source.IMPORT
    tags = (
        [list(r.values.get("tags") or []) for r in creates] if hasattr(spec.model, "tags") else None
    )
    ids = writer.create(spec, actor=actor, rows=rows, tags=tags)
    created_ids[spec.kind] = created_ids.get(spec.kind, []) + ids
    if spec.entity == "contact":
        affiliations = [
            [pk, company, "", True]
            for pk, row in zip(ids, creates, strict=True)
            if (company := links.company(row.values))
        ]
        bulk.insert(
            Affiliation, ["contact_id", "company_id", "job_title", "is_primary"], affiliations
        )
    if spec.entity in ("contact", "company"):
        _addresses(
            spec.entity,
            [
                (pk, r.values)
                for pk, r in zip(ids, creates, strict=True)
                if any(r.values.get(k) for k in ADDRESS_KEYS)
            ],
        )
    if spec.entity == "order":
        bulk.insert(
            OrderLine,
            ["order_id", "description", "quantity", "unit_price", "total", "position"],
            (
                [pk, str(_("Imported order")), 1, attrs.get("total"), attrs.get("total"), 0]
                for pk, attrs in zip(ids, rows, strict=True)
            ),
        )
    changes: dict[int, dict[str, Any]] = {}
    for row in updates:
        attrs = _attrs(spec, row.values, links)
        if attrs and row.duplicate is not None and row.duplicate.object_id:
            changes[row.duplicate.object_id] = attrs
    changed = writer.update(spec, actor=actor, job=job, changes=changes)
    if hasattr(spec.model, "tags"):
        writer.set_tags(
            spec.model,
            [
                (r.duplicate.object_id, list(r.values.get("tags") or []))
                for r in updates
                if r.duplicate and r.values.get("tags")
            ],
        )
    if spec.person:
        touched = ids + changed
        _sources(actor, job, touched)
        by_row = dict(zip(ids, creates, strict=True)) | {
            r.duplicate.object_id: r for r in updates if r.duplicate and r.duplicate.object_id
        }
        _consents(actor, job, [(pk, consents_of(by_row[pk].values)) for pk in sorted(by_row)])
    for kind, kind_ids in created_ids.items():
        writer.reindex(SPECS[kind], kind_ids, fresh=True)
    writer.reindex(spec, changed)
    return {
        "created": len(ids),
        "updated": len(changed),
        "unchanged": len(updates) - len(changed),
        "created_ids": {k: v for k, v in created_ids.items() if v},
    }
