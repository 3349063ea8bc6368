from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MergingConfig(AppConfig):
    name = "perno.merging"
    label = "merging"
    verbose_name = _("Merging")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registrations into lower layers (they never name this app).
        from perno.contacts.models import Company, Contact
        from perno.merging.consents import relink_consents
        from perno.merging.models import Merge
        from perno.privacy.models import ConsentEvent
        from perno.records import extensions
        from perno.records.relinking import handles, moving

        extensions.register_relinker(
            "merge:contact", relink_consents, handles=handles(ConsentEvent, "contact")
        )
        for kind, model in (("contact", Contact), ("company", Company)):
            # An earlier merge into the merged record now belongs to the survivor.
            extensions.register_relinker(
                f"merge:{kind}",
                moving(Merge, f"survivor_{kind}"),
                handles=handles(Merge, f"survivor_{kind}"),
            )
            # Tags: the survivor takes both records' tags (``merging.services``).
            through = model.tags.through
            extensions.declare_relinked(f"merge:{kind}", *handles(through, kind))
