from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "perno.sales"
    label = "sales"

    def ready(self) -> None:
        # Registrations into lower layers (they never name this app).
        from perno.accounts.confidential import register_subject
        from perno.sales.models import Deal, Lead, Order, Product

        for model in (Lead, Deal, Product, Order):
            register_subject(model)
