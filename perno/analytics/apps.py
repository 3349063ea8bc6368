from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "perno.analytics"
    label = "analytics"

    def ready(self) -> None:
        # Registrations into lower layers (they never name this app).
        from perno.analytics.models import CustomerScore
        from perno.records import extensions
        from perno.records.relinking import handles, moving

        # A merged customer's scores are dropped (kept for the undo); the survivor's are
        # computed again, over both records' orders, by the next refresh.
        for kind in ("contact", "company"):
            extensions.register_relinker(
                f"merge:{kind}",
                moving(CustomerScore, kind, drop_all=True),
                handles=handles(CustomerScore, kind),
            )
