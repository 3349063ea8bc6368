from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "perno.marketing"
    label = "marketing"

    def ready(self) -> None:
        # Registrations into lower layers (they never name this app).
        from perno.accounts.confidential import register_subject
        from perno.marketing.models import Segment, Survey

        register_subject(Survey)
        register_subject(Segment)
