"""The figures as rows to show (page and e-mail): label, count, base, share and the link
to the list that fixes them. Each link selects exactly the rows counted: the record
lists through the ``health`` filter, the requests and breaches lists through their
``due`` and ``open`` filters, the activities through their creation date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from perno.health.checks import checks_for

LISTS = {
    "contact": "contacts:contact_list",
    "company": "contacts:company_list",
    "deal": "sales:deal_list",
}
SUBJECT_LABELS = {
    "contact": lambda: _("Contacts"),
    "company": lambda: _("Companies"),
    "deal": lambda: _("Deals"),
}


@dataclass
class Row:
    key: str
    label: str
    count: int
    total: int | None = None
    url: str = ""
    kind: str = "problem"

    @property
    def percent(self) -> int | None:
        """The share of the base with the problem, or for completeness the share filled."""
        if not self.total:
            return None
        bad = round(100 * self.count / self.total)
        return 100 - bad if self.kind == "missing" else bad


def list_url(subject: str, key: str) -> str:
    return f"{reverse(LISTS[subject])}?{urlencode({'health': key})}"


def record_rows(figures: dict[str, Any], subject: str, *, missing: bool) -> list[Row]:
    """The completeness rows (``missing``) or the quality problems of a record type."""
    record = figures["records"][subject]
    rows = []
    for check in checks_for(subject):
        if check.key not in record["checks"] or check.area != "quality":
            continue
        if (check.kind == "missing") != missing:
            continue
        rows.append(
            Row(
                key=f"{subject}.{check.key}",
                label=str(check.label),
                count=record["checks"][check.key],
                total=record["total"],
                url=list_url(subject, check.key),
                kind=check.kind,
            )
        )
    return rows


def quality(figures: dict[str, Any]) -> dict[str, Any]:
    return {
        "completeness": [
            (SUBJECT_LABELS[s](), record_rows(figures, s, missing=True))
            for s in ("contact", "company")
        ],
        "problems": [
            row for s in ("contact", "company") for row in record_rows(figures, s, missing=False)
        ],
    }


def compliance(figures: dict[str, Any]) -> list[Row]:
    contacts = figures["records"]["contact"]
    rows = [
        Row(
            key="contact.no_basis",
            label=_("People with no legal basis for any purpose of the register"),
            count=contacts["checks"]["no_basis"],
            total=contacts["total"],
            url=list_url("contact", "no_basis"),
        )
    ]
    privacy = figures.get("compliance")
    if privacy:
        rows += [
            Row(
                key="retention_overdue",
                label=_("Rows past their retention period, not yet deleted or anonymized"),
                count=privacy["retention_overdue"],
                url=reverse("privacy:retention"),
            ),
            Row(
                key="requests_due",
                label=_("Data subject requests due within 7 days or overdue"),
                count=privacy["requests_due"],
                total=privacy["requests_open"],
                url=f"{reverse('privacy:request_list')}?status=open&due=soon",
            ),
            Row(
                key="breaches_open",
                label=_("Breaches waiting for the authority's notification"),
                count=privacy["breaches_open"],
                url=f"{reverse('privacy:breach_list')}?open=1",
            ),
        ]
    return rows


def usage(figures: dict[str, Any], *, may_manage_users: bool) -> list[Row]:
    usage = figures["usage"]
    deals = figures["records"]["deal"]
    since = date.fromisoformat(figures["recent_since"])
    return [
        Row(
            key="inactive_users",
            label=_("Users not active in the last 30 days"),
            count=usage["users"] - usage["active_users"],
            total=usage["users"],
            url=reverse("accounts:user_list") if may_manage_users else "",
        ),
        Row(
            key="activities_recent",
            label=_("Activities created in the last 30 days"),
            count=usage["activities_recent"],
            url=f"{reverse('activities:activity_list')}?created_after={since.isoformat()}",
            kind="info",
        ),
        Row(
            key="deal.overdue",
            label=_("Open deals past their expected close date"),
            count=deals["checks"]["overdue"],
            total=deals.get("open"),
            url=list_url("deal", "overdue"),
        ),
        Row(
            key="deal.no_next_step",
            label=_("Open deals without a next step (no planned task, call or meeting)"),
            count=deals["checks"]["no_next_step"],
            total=deals.get("open"),
            url=list_url("deal", "no_next_step"),
        ),
    ]


def top_problems(figures: dict[str, Any], limit: int = 5) -> list[Row]:
    """The largest problems (completeness gaps included), for the e-mail."""
    rows = [
        *record_rows(figures, "contact", missing=True),
        *record_rows(figures, "company", missing=True),
        *quality(figures)["problems"],
        *compliance(figures),
        *[r for r in usage(figures, may_manage_users=True) if r.kind != "info"],
    ]
    rows = [r for r in rows if r.count]
    for row in rows:
        if row.kind == "missing":
            subject = row.key.split(".", 1)[0]
            row.label = _("%(records)s without: %(field)s") % {
                "records": SUBJECT_LABELS[subject](),
                "field": row.label,
            }
    return sorted(rows, key=lambda r: (-r.count, r.key))[:limit]
