"""The monthly health report to administrators and to who handles personal data (the
DPO: the compliance figures are theirs): the score, its change since last month and the
largest problems with links, in each recipient's language (text and HTML). A recipient
may opt out on the health check page.

The report is the stored snapshot over every record, so it goes only to recipients
who see every record (``sees_all`` over ``services.EVERYTHING``, as on the page); other
administrators get none (their page computes their own figures). Each recipient gets the
snapshot as the page shows it to them (``figures.visible``): without the privacy right,
no compliance figures (retention, requests, breaches), and the score, the area scores
and the change since last month computed over the figures they may see."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from perno.accounts.models import User
from perno.accounts.permissions import sees_all
from perno.health import report, selectors
from perno.health.figures import visible
from perno.health.models import HealthSnapshot
from perno.health.services import EVERYTHING, snapshot_take, wants_report

logger = logging.getLogger(__name__)


def public_url(path: str) -> str:
    return settings.PERNO_PUBLIC_URL.rstrip("/") + path


def administrators() -> QuerySet[User]:
    """Active administrators and people who handle personal data, with an e-mail
    address."""
    return (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(Q(is_superuser=True) | Q(roles__administer=True) | Q(roles__handle_privacy=True))
        .distinct()
        .order_by("pk")
    )


def recipients() -> list[User]:
    """Who the report goes to: those of ``administrators()`` who see every record (the
    snapshot counts them all) and have not turned it off."""
    return [
        user
        for user in administrators().prefetch_related("roles")
        if sees_all(user, *EVERYTHING) and wants_report(user)
    ]


def _message(user: User, snapshot: HealthSnapshot, previous: HealthSnapshot | None) -> Any:
    figures = visible(snapshot.figures, user)
    score = figures.get("score", snapshot.score)
    previous_score = (
        visible(previous.figures, user).get("score", previous.score) if previous else None
    )
    with translation.override(user.language or settings.LANGUAGE_CODE):
        problems = report.top_problems(figures)
        for row in problems:
            row.url = public_url(row.url) if row.url else ""
        context = {
            "user": user,
            "snapshot": snapshot,
            "score": score,
            "previous": previous,
            "previous_score": previous_score,
            "change": score - previous_score if previous_score is not None else None,
            "areas": figures.get("areas", {}),
            "problems": problems,
            "page_url": public_url(reverse("health:health")),
            "language": translation.get_language(),
        }
        subject = _("Perno health check: score %(score)s of 100") % {"score": score}
        text = render_to_string("health/email/monthly.txt", context)
        html = render_to_string("health/email/monthly.html", context)
    message = EmailMultiAlternatives(subject, text, None, [user.email])
    message.attach_alternative(html, "text/html")
    return message


def monthly_report_send(*, now: datetime | None = None) -> int:
    """Send this month's report once (the first run of the month): to every administrator
    who sees every record and has not opted out (``recipients``), each with the figures
    they may see. Returns the number of e-mails sent."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    month_start = today.replace(day=1)
    if HealthSnapshot.objects.filter(day__gte=month_start, mailed_at__isnull=False).exists():
        return 0
    snapshot = HealthSnapshot.objects.filter(day=today).first() or snapshot_take(now=now)
    with transaction.atomic():
        locked = HealthSnapshot.objects.select_for_update().get(pk=snapshot.pk)
        if HealthSnapshot.objects.filter(day__gte=month_start, mailed_at__isnull=False).exists():
            return 0
        locked.mailed_at = now
        locked.save(update_fields=["mailed_at"])
    previous = selectors.before(month_start)
    sent = 0
    for user in recipients():
        try:
            _message(user, locked, previous).send()
            sent += 1
        except OSError as exc:  # the class only: a refused recipient's error quotes it
            logger.warning("health report to user %s not sent: %s", user.pk, type(exc).__name__)
    return sent
