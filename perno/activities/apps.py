from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "perno.activities"
    label = "activities"

    def ready(self) -> None:
        # Registrations into lower layers (they never name this app).
        from perno.accounts.confidential import register_subject
        from perno.activities.models import Activity
        from perno.activities.services import activities_relink_lead
        from perno.records import extensions

        register_subject(Activity)
        extensions.register_relinker("lead", activities_relink_lead)
