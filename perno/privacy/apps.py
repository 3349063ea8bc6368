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
        from perno.privacy.models import (
            ConsentRequest,
            DataSource,
            Restriction,
            SubjectRequest,
        )
        from perno.records import extensions
        from perno.records.relinking import handles, moving

        extensions.register_source_writer(services.data_source_record)
        extensions.register_filter(ContactFilter, "purpose", purpose_filter, after="country")
        # A merge moves the person's privacy records to the survivor (the consent
        # history, where the strictest step wins, is moved by perno.merging).
        for model in (ConsentRequest, DataSource, Restriction, SubjectRequest):
            extensions.register_relinker(
                "merge:contact", moving(model, "contact"), handles=handles(model, "contact")
            )
