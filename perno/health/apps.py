from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthConfig(AppConfig):
    name = "perno.health"
    label = "health"
    verbose_name = _("CRM health check")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registrations into lower layers (they never name this app).
        from perno.contacts.filters import CompanyFilter, ContactFilter
        from perno.health.filters import health_filter
        from perno.records import extensions
        from perno.sales.filters import DealFilter

        extensions.register_filter(ContactFilter, "health", lambda: health_filter("contact"))
        extensions.register_filter(CompanyFilter, "health", lambda: health_filter("company"))
        extensions.register_filter(DealFilter, "health", lambda: health_filter("deal"))
