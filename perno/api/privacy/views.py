"""Consent through the API: the purposes of the register, a contact's consent status and
history, and recording a step with its proof (for integrations such as web shops)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from perno.accounts.permissions import obtain
from perno.api.common import ERRORS, WRITE_ERRORS
from perno.api.inputs import InputSchema
from perno.contacts.models import Contact
from perno.privacy import selectors, services
from perno.privacy.models import Channel, ConsentEvent, Purpose
from perno.records.reads import record_shown

router = Router(tags=["privacy"])


class PurposeOut(Schema):
    code: str
    name: str
    legal_basis: str
    is_direct_marketing: bool
    data_categories: list[str]


class ConsentStepOut(Schema):
    id: int
    purpose: str | None = Field(None, description="Purpose code; null: all direct marketing")
    kind: str
    occurred_at: datetime
    channel: str
    notice_version: str
    source: str
    recorded_at: datetime

    @staticmethod
    def resolve_purpose(obj: ConsentEvent) -> str | None:
        return obj.purpose.code if obj.purpose else None


class PurposeStatusOut(Schema):
    purpose: str
    may_process: bool = Field(
        ..., description="Valid basis now: not withdrawn, objected, restricted or erased."
    )


class ConsentsOut(Schema):
    restricted: bool
    statuses: list[PurposeStatusOut]
    history: list[ConsentStepOut]


class ConsentIn(InputSchema):
    purpose: str | None = Field(
        ...,
        max_length=50,
        description="Purpose code; null only for an objection to all direct marketing",
    )
    kind: str = Field(..., description="given, withdrawn or objected")
    channel: str = Field(Channel.API, description=", ".join(Channel.values))
    occurred_at: datetime | None = Field(None, description="When the person did it; default now")
    source: str = Field("", max_length=500, description="Form URL or document")
    ip_address: str | None = Field(None, description="The person's IP address, for web forms")
    user_agent: str = Field("", max_length=300)
    note: str = Field("", max_length=2000)


@router.get("/privacy/purposes", response={200: list[PurposeOut], **ERRORS}, summary="Purposes")
def purpose_list(request: HttpRequest) -> Any:
    """The active purposes of the register, to record consent against."""
    return list(Purpose.objects.filter(is_active=True).order_by("code"))


def _consents(request: HttpRequest, contact: Contact) -> dict[str, Any]:
    data = selectors.contact_privacy(user=request.user, contact=contact)
    return {
        "restricted": data["restriction"] is not None,
        "statuses": [
            {"purpose": s.purpose.code, "may_process": s.allowed} for s in data["statuses"]
        ],
        "history": data["history"],
    }


@router.get(
    "/contacts/{contact_id}/consents",
    response={200: ConsentsOut, **ERRORS},
    summary="A contact's consents",
)
def consent_list(request: HttpRequest, contact_id: int) -> Any:
    return _consents(
        request,
        record_shown(obtain(Contact.objects.all(), request.user, contact_id), user=request.user),
    )


@router.post(
    "/contacts/{contact_id}/consents",
    response={201: ConsentsOut, **WRITE_ERRORS},
    summary="Record a consent step",
)
def consent_create(request: HttpRequest, contact_id: int, payload: ConsentIn) -> Any:
    contact = record_shown(
        obtain(Contact.objects.all(), request.user, contact_id, "edit"),
        user=request.user,
        purpose="edit",
    )
    data = payload.dict()
    services.consent_record(
        actor=request.user,
        contact=contact,
        purpose=data["purpose"],
        kind=data["kind"],
        channel=data["channel"],
        occurred_at=data["occurred_at"],
        source=data["source"],
        ip_address=data["ip_address"] or None,
        user_agent=data["user_agent"] or "",
        note=data["note"],
    )
    return Status(201, _consents(request, contact))
