"""Purpose limitation, in one place: may we process this contact for purpose P now?

The rule, written once as SQL over a queryset of contacts (so an export or a campaign
of 100,000 contacts is one query), and for one contact through the same query:

- the purpose is in the register and active;
- the contact exists (an erased contact is gone) and its processing is not restricted
  (Art. 18);
- consent basis: the latest of the contact's consent steps for P (given, withdrawn,
  objected; an objection to all direct marketing counts for every direct-marketing
  purpose) is "given";
- legitimate interest, public task, or any direct-marketing purpose: no objection
  after the latest consent given (Art. 21; for direct marketing the objection is
  absolute: only the person's own new consent lifts it);
- contract, legal obligation, vital interests: the basis does not depend on the
  person's will, so consents and objections do not change it.

Steps count from the moment they occurred; two steps at the same moment count in the
order they were recorded."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.contacts.models import Contact
from perno.privacy.models import ConsentEvent, LegalBasis, Purpose, Restriction

Kind = ConsentEvent.Kind
CONSENT_BASES = {LegalBasis.CONSENT}
OBJECTABLE_BASES = {LegalBasis.LEGITIMATE_INTEREST, LegalBasis.PUBLIC_TASK}


def _steps(purpose: Purpose, at: datetime) -> QuerySet[ConsentEvent]:
    """The consent steps of the outer contact that count for ``purpose`` at ``at``."""
    concerns = Q(purpose=purpose)
    if purpose.is_direct_marketing:
        concerns |= Q(purpose__isnull=True, kind=Kind.OBJECTED)
    return ConsentEvent.objects.filter(concerns, contact=OuterRef("pk"), occurred_at__lte=at)


def _latest_kind(steps: QuerySet[ConsentEvent]) -> Subquery:
    return Subquery(steps.order_by("-occurred_at", "-id").values("kind")[:1])


def processable(queryset: QuerySet, purpose: Purpose, at: datetime | None = None) -> QuerySet:
    """The contacts of ``queryset`` that may be processed for ``purpose`` at ``at``."""
    at = at or timezone.now()
    if not purpose.is_active:
        return queryset.none()
    restricted = Restriction.objects.filter(
        Q(lifted_at__isnull=True) | Q(lifted_at__gt=at), contact=OuterRef("pk"), started_at__lte=at
    )
    queryset = queryset.exclude(Exists(restricted))
    steps = _steps(purpose, at)
    if purpose.legal_basis in CONSENT_BASES:
        return queryset.annotate(_consent=_latest_kind(steps)).filter(_consent=Kind.GIVEN)
    if purpose.legal_basis in OBJECTABLE_BASES or purpose.is_direct_marketing:
        decisive = steps.filter(kind__in=[Kind.GIVEN, Kind.OBJECTED])
        return queryset.annotate(_objection=_latest_kind(decisive)).filter(
            Q(_objection__isnull=True) | Q(_objection=Kind.GIVEN)
        )
    return queryset


def may_process(contact: Any, purpose: Purpose, at: datetime | None = None) -> bool:
    """May ``contact`` be processed for ``purpose`` at ``at`` (now by default)?"""

    if contact is None or contact.pk is None:
        return False
    return processable(Contact.objects.filter(pk=contact.pk), purpose, at).exists()


def purpose_by_code(code: str) -> Purpose:
    """The active purpose with this code, or a ValidationError that names the known ones."""

    found = Purpose.objects.filter(code=(code or "").strip()).first()
    if found is None or not found.is_active:
        known = ", ".join(Purpose.objects.filter(is_active=True).values_list("code", flat=True))
        raise ValidationError(
            {
                "purpose": [
                    _(
                        "“%(code)s” is not a purpose of the register; use one of: %(known)s. A DPO adds purposes under Privacy → Register."
                    )
                    % {"code": code, "known": known or _("(none yet)")}
                ]
            }
        )
    return found
