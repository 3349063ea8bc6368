from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from perno.sales import selectors
from perno.sales.filters import DealFilter, LeadFilter, OrderFilter, ProductFilter
from perno.web.lists import Column, ListConfig, shown

LEADS = ListConfig(
    key="leads",
    bulk="lead",
    title=_("Leads"),
    selector=selectors.lead_list,
    filterset_class=LeadFilter,
    filter_fields=["status", "source", "owner"],
    create_url="sales:lead_create",
    default_sort="-created",
    columns=[
        Column(
            "name",
            _("Name"),
            "link",
            sort="name",
            value=lambda o: f"{o.first_name} {o.last_name}".strip(),
        ),
        Column("company_name", _("Company"), sort="company"),
        Column("email", _("E-mail"), "email"),
        Column("phone", _("Phone"), "phone"),
        Column("source", _("Source"), value=lambda o: o.get_source_display()),
        Column(
            "status", _("Status"), "badge", sort="status", value=lambda o: o.get_status_display()
        ),
        Column("owner", _("Owner")),
        Column("created_at", _("Created"), "date", sort="created"),
    ],
)

DEALS = ListConfig(
    key="deals",
    bulk="deal",
    title=_("Deals"),
    selector=selectors.deal_list,
    filterset_class=DealFilter,
    filter_fields=["pipeline", "status", "owner", "currency"],
    create_url="sales:deal_create",
    default_sort="-created",
    extra_links=[("sales:deal_board", _("Board"))],
    columns=[
        Column("title", _("Title"), "link", sort="title"),
        Column("company", _("Company")),
        Column("stage", _("Stage"), "badge"),
        Column("amount", _("Amount"), "money", sort="amount"),
        Column("probability", _("Probability %"), sort="probability", default=False),
        Column("expected_close_date", _("Expected close date"), "date", sort="close"),
        Column("status", _("Status"), value=lambda o: o.get_status_display()),
        Column("owner", _("Owner")),
        Column("pipeline", _("Pipeline"), default=False),
        Column("created_at", _("Created"), "date", sort="created", default=False),
    ],
)

PRODUCTS = ListConfig(
    key="products",
    bulk="product",
    title=_("Products"),
    selector=selectors.product_list,
    filterset_class=ProductFilter,
    filter_fields=["is_active"],
    create_url="sales:product_create",
    default_sort="name",
    columns=[
        Column("name", _("Name"), "link", sort="name"),
        Column("sku", _("Code (SKU)"), sort="sku"),
        Column("unit_price", _("Unit price"), "money", sort="price"),
        Column("vat_rate", _("VAT %")),
        Column("is_active", _("Active"), value=lambda o: "✓" if o.is_active else "—"),
    ],
)

ORDERS = ListConfig(
    key="orders",
    bulk="order",
    title=_("Orders"),
    selector=selectors.order_list,
    filterset_class=OrderFilter,
    filter_fields=["status", "source", "currency", "owner"],
    create_url="sales:order_create",
    default_sort="-date",
    columns=[
        Column("number", _("Order id"), "link", sort="number", value=lambda o: str(o)),
        Column("ordered_on", _("Date"), "date", sort="date"),
        Column(
            "buyer",
            _("Buyer"),
            value=lambda o: " · ".join(str(shown(x)) for x in (o.contact, o.company) if x) or "—",
        ),
        Column("total", _("Total"), "money", sort="total"),
        Column("status", _("Status"), "badge", value=lambda o: o.get_status_display()),
        Column("source", _("Source"), value=lambda o: o.get_source_display(), default=False),
        Column("owner", _("Owner"), default=False),
    ],
)
