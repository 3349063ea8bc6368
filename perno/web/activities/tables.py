from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from perno.activities import selectors
from perno.activities.filters import ActivityFilter
from perno.web.lists import Column, ListConfig, shown


def _related(obj):  # type: ignore[no-untyped-def]
    return shown(obj.deal or obj.contact or obj.company or obj.lead) or ""


ACTIVITIES = ListConfig(
    key="activities",
    bulk="activity",
    title=_("Activities"),
    selector=selectors.activity_list,
    filterset_class=ActivityFilter,
    filter_fields=["kind", "todo", "status", "overdue", "priority", "assignee", "due_before"],
    create_url="activities:activity_create",
    default_sort="-created",
    columns=[
        Column("subject", _("Subject"), "link", sort="subject"),
        Column("kind", _("Kind"), "badge", value=lambda o: o.get_kind_display()),
        Column("status", _("Status"), value=lambda o: o.get_status_display()),
        Column(
            "priority", _("Priority"), sort="priority", value=lambda o: o.get_priority_display()
        ),
        Column("due_at", _("Due"), "datetime", sort="due"),
        Column("assignee", _("Assignee")),
        Column("related", _("Related to"), value=_related),
        Column("owner", _("Owner"), default=False),
        Column("created_at", _("Created"), "datetime", sort="created", default=False),
    ],
)
