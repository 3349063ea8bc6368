from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from perno.accounts.confidential import current_user
from perno.accounts.permissions import sees_all
from perno.marketing import selectors
from perno.marketing.filters import SegmentFilter, SurveyFilter
from perno.web.lists import Column, ListConfig

SURVEYS = ListConfig(
    key="surveys",
    title=_("Surveys"),
    selector=selectors.survey_list,
    filterset_class=SurveyFilter,
    filter_fields=["status", "owner"],
    create_url="marketing:survey_create",
    default_sort="-created",
    columns=[
        Column("name", _("Name"), "link", sort="name"),
        Column("status", _("Status"), "badge", value=lambda o: o.get_status_display()),
        Column("languages", _("Languages"), value=lambda o: ", ".join(o.languages)),
        Column("invitation_count", _("Invitations")),
        Column("response_count", _("Answers")),
        Column("owner", _("Owner")),
        Column("created_at", _("Created"), "date", sort="created"),
    ],
)


def _size(segment):  # type: ignore[no-untyped-def]
    return segment.count if sees_all(current_user.get(), "contact") else None


SEGMENTS = ListConfig(
    key="segments",
    title=_("Segments"),
    selector=selectors.segment_list,
    filterset_class=SegmentFilter,
    filter_fields=["kind", "owner"],
    create_url="marketing:segment_create",
    default_sort="name",
    columns=[
        Column("name", _("Name"), "link", sort="name"),
        Column("kind", _("Kind"), value=lambda o: o.get_kind_display()),
        # The stored size counts every contact: shown only to who sees them all.
        Column("count", _("Contacts"), value=_size),
        Column("counted_at", _("Counted"), "date"),
        Column("owner", _("Owner")),
    ],
)
