from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "perno.privacy"
    label = "privacy"
    verbose_name = _("Privacy")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registrations into lower layers (they never name this app).
        from perno.contacts.filters import ContactFilter
        from perno.privacy import services
        from perno.privacy.filters import purpose_filter
        from perno.records import extensions

        extensions.register_source_writer(services.data_source_record)
        extensions.register_filter(ContactFilter, "purpose", purpose_filter, after="country")
