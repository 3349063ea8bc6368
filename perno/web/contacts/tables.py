from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from perno.contacts import selectors
from perno.contacts.filters import CompanyFilter, ContactFilter
from perno.contacts.models import Affiliation
from perno.web.contacts.vcards import vcard_response
from perno.web.lists import Column, ListConfig, shown

AFFILIATIONS = Prefetch(
    "affiliations",
    # The company's access columns too: a company the user may not open shows as a
    # placeholder (decided in memory, no query per row).
    queryset=Affiliation.objects.select_related("company").only(
        "contact_id",
        "company__name",
        "company__owner_id",
        "company__team_id",
        "company__is_confidential",
    ),
)


def _tags(obj):  # type: ignore[no-untyped-def]
    return [t.name for t in obj.tags.all()]


def _companies(obj):  # type: ignore[no-untyped-def]
    return ", ".join(str(shown(a.company)) for a in obj.affiliations.all())


COMPANIES = ListConfig(
    key="companies",
    bulk="company",
    title=_("Companies"),
    selector=selectors.company_list,
    filterset_class=CompanyFilter,
    filter_fields=["owner", "team", "tag", "country"],
    create_url="contacts:company_create",
    default_sort="name",
    columns=[
        Column("name", _("Name"), "link", sort="name"),
        Column("vat_number", _("VAT number")),
        Column("industry", _("Industry")),
        Column("country", _("Country"), "badge", sort="country"),
        Column("phone", _("Phone"), "phone"),
        Column("email", _("E-mail"), "email", default=False),
        Column("owner", _("Owner")),
        Column("team", _("Team"), default=False),
        Column("tags", _("Tags"), "tags", value=_tags, prefetch=("tags",)),
        Column("created_at", _("Created"), "date", sort="created", default=False),
        Column("updated_at", _("Updated"), "datetime", sort="updated", default=False),
    ],
)

CONTACTS = ListConfig(
    key="contacts",
    bulk="contact",
    exporters={"vcf": vcard_response},
    title=_("Contacts"),
    selector=selectors.contact_list,
    filterset_class=ContactFilter,
    filter_fields=["owner", "team", "tag", "country", "purpose"],
    create_url="contacts:contact_create",
    default_sort="name",
    columns=[
        Column("full_name", _("Name"), "link", sort="name"),
        Column("companies", _("Companies"), value=_companies, prefetch=(AFFILIATIONS,)),
        Column("job_title", _("Job title")),
        Column("email", _("E-mail"), "email", sort="email"),
        Column("phone", _("Phone"), "phone"),
        Column("mobile", _("Mobile"), "phone", default=False),
        Column("country", _("Country"), "badge", default=False),
        Column("owner", _("Owner")),
        Column("tags", _("Tags"), "tags", value=_tags, default=False, prefetch=("tags",)),
        Column("created_at", _("Created"), "date", sort="created", default=False),
    ],
)
