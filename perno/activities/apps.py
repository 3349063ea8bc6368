from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "perno.activities"
    label = "activities"

    def ready(self) -> None:
        # Registrations into lower layers (they never name this app).
        from perno.accounts.confidential import register_subject
        from perno.activities.models import Activity, CalendarInvitation, Comment
        from perno.activities.services import activities_relink_lead
        from perno.records import extensions
        from perno.records.relinking import handles, moving

        register_subject(Activity)
        extensions.register_relinker("lead", activities_relink_lead)
        # A merge moves activities and comments (their files go with the comments).
        for kind in ("contact", "company"):
            for model in (Activity, Comment):
                extensions.register_relinker(
                    f"merge:{kind}", moving(model, kind), handles=handles(model, kind)
                )
        # Invitations to a meeting follow the invited contact into the merged record.
        extensions.register_relinker(
            "merge:contact",
            moving(CalendarInvitation, "contact", unique_with=("activity",)),
            handles=handles(CalendarInvitation, "contact"),
        )
        _register_bulk()


def _register_bulk() -> None:
    """Bulk edit and delete of activities (``records.bulkedit``)."""
    from perno.activities import selectors, services
    from perno.activities.models import Activity
    from perno.records.bulkedit import BulkType, register_bulk

    register_bulk(
        "activity",
        BulkType(
            Activity,
            selectors.activity_list,
            services.activity_update,
            services.activity_delete,
            "activity",
            statuses=tuple(Activity.Status.values),
        ),
    )
