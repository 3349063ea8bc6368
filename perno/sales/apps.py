from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "perno.sales"
    label = "sales"

    def ready(self) -> None:
        # Registrations into lower layers (they never name this app).
        from perno.accounts.confidential import register_subject
        from perno.records import extensions
        from perno.records.relinking import handles, moving
        from perno.sales.models import CustomerCost, Deal, Lead, Order, Product

        for subject in (Lead, Deal, Product, Order):
            register_subject(subject)
        # A merge moves the deals, orders, costs and converted leads to the survivor.
        for kind in ("contact", "company"):
            for model, field in (
                (Lead, f"converted_{kind}"),
                (Deal, kind),
                (Order, kind),
                (CustomerCost, kind),
            ):
                extensions.register_relinker(
                    f"merge:{kind}", moving(model, field), handles=handles(model, field)
                )
        _register_bulk()


def _register_bulk() -> None:
    """Bulk edit and delete of leads, deals, products and orders (``records.bulkedit``)."""
    from perno.records.bulkedit import BulkType, register_bulk
    from perno.sales import selectors
    from perno.sales.models import Deal, Lead, Order, Product, Stage
    from perno.sales.services import deals, leads, orders, products

    open_statuses = tuple(s for s in Lead.Status.values if s != Lead.Status.CONVERTED)
    register_bulk(
        "lead",
        BulkType(
            Lead,
            selectors.lead_list,
            leads.lead_update,
            leads.lead_delete,
            "lead",
            statuses=open_statuses,
        ),
    )
    register_bulk(
        "deal",
        BulkType(
            Deal,
            selectors.deal_list,
            deals.deal_update,
            deals.deal_delete,
            "deal",
            custom_fields="deal",
            stage=lambda pk: Stage.objects.filter(pk=pk).first() if pk else None,
        ),
    )
    register_bulk(
        "product",
        BulkType(
            Product,
            selectors.product_list,
            products.product_update,
            products.product_delete,
            "product",
        ),
    )
    register_bulk(
        "order",
        BulkType(
            Order,
            selectors.order_list,
            orders.order_update,
            orders.order_delete,
            "order",
            statuses=tuple(Order.Status.values),
        ),
    )
