"""Leads, deals and products in the search index."""

from django.utils.translation import gettext_lazy as _

from perno.sales.models import Deal, Lead, Product
from perno.search.registry import Source, choice_label, register

register(
    Source(
        kind="lead",
        model=Lead,
        label=_("Leads"),
        title=lambda o: f"{o.first_name} {o.last_name}".strip(),
        subtitle=lambda o: [
            ("company_name", o.company_name),
            ("", choice_label(o, "status")),
        ],
        ident_fields=("email", "phone"),
        body_fields=("company_name", "job_title", "notes"),
    )
)
register(
    Source(
        kind="deal",
        model=Deal,
        label=_("Deals"),
        title=lambda o: o.title,
        # Only the deal's own data: the company it points at may be one the reader
        # may not open (results show no names of records the user cannot see).
        subtitle=lambda o: [
            ("", f"{o.amount} {o.currency}"),
            ("", o.stage.name),
        ],
        body_fields=("close_reason", "notes"),
        custom_fields=True,
        related=("stage",),
    )
)
register(
    Source(
        kind="product",
        model=Product,
        label=_("Products"),
        title=lambda o: o.name,
        subtitle=lambda o: [("", o.sku), ("", f"{o.unit_price} {o.currency}")],
        ident_fields=("sku",),
        body_fields=("description",),
    )
)
