"""The records mail is written from or dropped on (a contact, company, deal, lead or
case): how each is fetched through the gate, and whom a message to it goes to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404

from perno.accounts.confidential import hidden_fields
from perno.accounts.permissions import can
from perno.cases import selectors as case_selectors
from perno.cases.models import Case
from perno.contacts import selectors as contact_selectors
from perno.contacts.models import Company, Contact
from perno.sales import selectors as sales_selectors
from perno.sales.models import Deal, Lead

GETTERS: dict[str, Callable[..., Any]] = {
    "contact": contact_selectors.contact_get,
    "company": contact_selectors.company_get,
    "deal": sales_selectors.deal_get,
    "lead": sales_selectors.lead_get,
    "case": case_selectors.case_get,
}


def target_get(user: Any, record_type: str, pk: Any, action: str = "view") -> Any:
    """One record mail may be written from: 404 when the type is not one of them or
    the user may not see the record, 403 when they may see but not ``action`` it."""
    getter = GETTERS.get(record_type)
    if getter is None:
        raise Http404
    return getter(user=user, pk=pk, action=action)


def _visible_email(user: Any, record: Any) -> str:
    """The record's e-mail address as the user may read it ("" when it has none, or it
    is confidential to them)."""
    if record is None or not can(user, "view", record):
        return ""
    if "email" in hidden_fields(user, record._meta.model_name or ""):
        return ""
    return str(getattr(record, "email", "") or "")


def recipient_contact(user: Any, target: Any) -> Contact | None:
    """The contact a message from ``target`` is for, when the user may see it."""
    if isinstance(target, Contact):
        contact: Any = target
    elif isinstance(target, Lead):
        contact = target.converted_contact
    else:
        contact = getattr(target, "contact", None)
    if contact is None or not can(user, "view", contact):
        return None
    return contact  # type: ignore[no-any-return]


def recipient_address(user: Any, target: Any) -> str:
    """Whom a message written from ``target`` goes to, to begin with: the record's
    own address (a contact, company or lead), else its contact's, else its company's."""
    if isinstance(target, Contact | Company | Lead):
        own = _visible_email(user, target)
        if own:
            return own
    if isinstance(target, Deal | Case | Lead):
        found = _visible_email(user, recipient_contact(user, target))
        if found:
            return found
    if isinstance(target, Deal | Case):
        return _visible_email(user, target.company)
    return ""


def reply_subject(subject: str) -> str:
    """The subject of an answer: "Re: " once."""
    subject = (subject or "").strip()
    if subject.lower().startswith(("re:", "r:", "aw:")):
        return subject
    return f"Re: {subject}".strip()
