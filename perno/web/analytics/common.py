"""Who may see the analytics pages, and which customers' scores a user may see.

The aggregates are not personal data and are shown to everyone who may view contacts;
the customer lists are limited to the contacts and companies the user may see."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _

from perno.accounts.permissions import can, restrict, sees_all
from perno.contacts.models import Company, Contact


def may_view(user: Any) -> bool:
    return can(user, "view", "contact") or can(user, "view", "company")


# The snapshots are computed over every customer: they are shown only to roles that see
# every contact, company and order (the aggregates rule, accounts.permissions.sees_all).
EVERYTHING = ("contact", "company", "order")


def gate(request: HttpRequest) -> None:
    if not may_view(request.user):
        raise PermissionDenied(
            _(
                "The analytics are for people who may view contacts or companies: ask an administrator."
            )
        )


def gate_aggregates(request: HttpRequest) -> None:
    """The pages of a snapshot (counts, charts and totals over every customer)."""
    gate(request)
    if not sees_all(request.user, *EVERYTHING):
        raise PermissionDenied(
            _(
                "These figures cover every customer, so they are shown only to roles that see all contacts, companies and orders, confidential ones included. Your customers' scores are on the Customers page."
            )
        )


def visible(user: Any) -> Any:
    """Scores of the contacts and companies ``user`` may view."""

    return Q(contact__in=restrict(Contact.objects.all(), user)) | Q(
        company__in=restrict(Company.objects.all(), user)
    )
