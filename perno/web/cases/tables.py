"""The case list: its columns (the SLA state as a coloured badge with the time left or
overdue) and its filters (queue, status, assignee with "me" first, unassigned,
priority, category, SLA state, channel, text)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from perno.accounts.confidential import current_user
from perno.cases import selectors
from perno.cases.filters import CaseFilter
from perno.web.cases.sla import badge
from perno.web.lists import Column, ListConfig

STATUS_CLASSES = {
    "new": "text-bg-primary",
    "open": "text-bg-info",
    "waiting": "text-bg-secondary",
    "resolved": "text-bg-success",
    "closed": "text-bg-dark",
    "reopened": "text-bg-warning",
}


class CaseListFilter(CaseFilter):
    """The list page's filter form: the case filters, with the user's own name offered
    first among the assignees (as "Me"). The values are the case filters' own, so a
    saved view, an export and a bulk change read them alike."""

    @property
    def form(self) -> Any:
        form = super().form
        user = current_user.get()
        field = form.fields.get("assignee")
        if field is not None and getattr(user, "pk", None) and not getattr(self, "_mine", False):
            self._mine = True
            others = [(v, label) for v, label in field.widget.choices if str(v) != str(user.pk)]
            blank = [c for c in others if str(c[0]) == ""]
            rest = [c for c in others if str(c[0]) != ""]
            field.widget.choices = [*blank, (str(user.pk), _("Me")), *rest]
        return form


@dataclass
class SlaColumn(Column):
    """The SLA state badge (read from the row itself: no query per row)."""

    def html(self, obj: Any) -> SafeString:
        return badge(obj)


@dataclass
class StatusColumn(Column):
    def html(self, obj: Any) -> SafeString:
        return format_html(
            '<span class="badge {}" data-status="{}">{}</span>',
            STATUS_CLASSES.get(obj.status, "text-bg-light border"),
            obj.status,
            obj.get_status_display(),
        )


CASES = ListConfig(
    key="cases",
    bulk="case",
    title=_("Cases"),
    selector=selectors.case_list,
    filterset_class=CaseListFilter,
    filter_fields=[
        "queue",
        "status",
        "assignee",
        "unassigned",
        "priority",
        "category",
        "sla",
        "channel",
    ],
    create_url="cases:case_create",
    default_sort="-created",
    extra_links=[("cases:care_dashboard", _("Dashboard"))],
    columns=[
        Column("number", _("Number"), "link", sort="number", value=lambda o: o.reference),
        Column("subject", _("Subject"), "link", sort="subject"),
        StatusColumn("status", _("Status")),
        SlaColumn("sla", _("SLA")),
        Column(
            "priority", _("Priority"), sort="priority", value=lambda o: o.get_priority_display()
        ),
        Column("queue", _("Queue")),
        Column("assignee", _("Assignee")),
        Column("contact", _("Contact")),
        Column("company", _("Company"), default=False),
        Column("category", _("Category"), default=False),
        Column("channel", _("Channel"), default=False, value=lambda o: o.get_channel_display()),
        Column("resolution_due", _("Resolution due"), "datetime", sort="due", default=False),
        Column("created_at", _("Opened"), "datetime", sort="created"),
        Column("updated_at", _("Changed"), "datetime", sort="updated", default=False),
        Column("owner", _("Owner"), default=False),
    ],
)
