from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from perno.accounts.permissions import can, sees_all
from perno.accounts.twofactor import pending
from perno.activities.selectors import notification_unread_count
from perno.duplicates.selectors import reviewable_kinds
from perno.privacy.breaches import open_clocks
from perno.web.analytics.common import EVERYTHING
from perno.web.imports.forms import importable

NAVIGATION = [
    ("web:dashboard", _("Dashboard")),
    ("contacts:company_list", _("Companies")),
    ("contacts:contact_list", _("Contacts")),
    ("sales:lead_list", _("Leads")),
    ("sales:deal_list", _("Deals")),
    ("sales:deal_board", _("Board")),
    ("activities:activity_list", _("Activities")),
    ("cases:case_list", _("Cases")),
    ("knowledge:article_list", _("Knowledge base")),
    ("activities:calendar", _("Calendar")),
    ("sales:product_list", _("Products")),
    ("sales:order_list", _("Orders")),
    ("marketing:segment_list", _("Segments")),
    ("marketing:survey_list", _("Surveys")),
    ("analytics:overview", _("Analytics")),
    ("health:health", _("Health check")),
    ("duplicates:duplicate_queue", _("Duplicates")),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if pending(request):
        # Before the second factor (or its set-up when the role requires one) the pages
        # show no menu, counts or alerts: only the way out.
        return {"second_factor_pending": True}
    path = request.path
    items: list[dict[str, Any]] = []
    for name, label in NAVIGATION:
        if name == "duplicates:duplicate_queue" and not reviewable_kinds(user):
            continue  # the queue is for who may edit contacts or companies
        if name == "analytics:overview" and not sees_all(user, *EVERYTHING):
            name = "analytics:customers"  # the snapshot pages are for who sees everything
        url = reverse(name)
        active = path == url if url == "/" else path.startswith(url)
        items.append({"url": url, "label": label, "active": active})
    # The longest matching prefix wins (the board lives under /deals/).
    actives = [i for i in items if i["active"]]
    if len(actives) > 1:
        best = max(actives, key=lambda i: len(i["url"]))
        for item in actives:
            item["active"] = item is best
    handles_privacy = can(user, "manage", "privacy")
    breach_clocks: list[dict[str, Any]] = []
    if handles_privacy:
        breach_clocks = open_clocks()
    return {
        "nav_items": items,
        "breach_clocks": breach_clocks,
        "unread_notifications": notification_unread_count(user=user),
        "is_administrator": can(user, "manage"),
        "handles_privacy": handles_privacy,
        "can_import": bool(importable(user)),
    }
