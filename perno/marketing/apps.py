from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "perno.marketing"
    label = "marketing"

    def ready(self) -> None:
        # Registrations into lower layers (they never name this app).
        from perno.accounts.confidential import register_subject
        from perno.marketing.models import Invitation, Response, Segment, SegmentMember, Survey
        from perno.records import extensions
        from perno.records.relinking import handles, moving

        register_subject(Survey)
        register_subject(Segment)
        # A merge moves survey invitations and answers, and segment memberships (once
        # per segment).
        for model in (Invitation, Response):
            extensions.register_relinker(
                "merge:contact", moving(model, "contact"), handles=handles(model, "contact")
            )
        extensions.register_relinker(
            "merge:contact",
            moving(SegmentMember, "contact", unique_with=("segment",)),
            handles=(*handles(SegmentMember, "contact"), "marketing.Segment.members"),
        )
