from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuplicatesConfig(AppConfig):
    name = "perno.duplicates"
    label = "duplicates"
    verbose_name = _("Duplicates")

    def ready(self) -> None:
        # Registrations into lower layers (they never name this app).
        from perno.duplicates.models import DuplicatePair
        from perno.records import extensions
        from perno.records.relinking import handles, moving

        # A merged record's pairs go with it (kept for the merge's undo); the finder's
        # next run pairs the survivor again.
        for kind in ("contact", "company"):
            for end in ("low", "high"):
                extensions.register_relinker(
                    f"merge:{kind}",
                    moving(DuplicatePair, f"{kind}_{end}", drop_all=True),
                    handles=handles(DuplicatePair, f"{kind}_{end}"),
                )
