from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "perno.mail"
    label = "mail"
    verbose_name = _("E-mail")

    def ready(self) -> None:
        # Registrations into lower layers (they never name this app).
        from perno.accounts.confidential import register_subject
        from perno.activities.selectors import TimelineSource, register_timeline_source
        from perno.cases.services import MERGE_KIND
        from perno.mail.models import Mailbox, MailMessage, MailThread
        from perno.mail.relinking import relinker
        from perno.mail.selectors import mail_timeline
        from perno.records import extensions
        from perno.records.relinking import handles

        register_subject(Mailbox)
        # Merging contacts, companies or cases moves their messages and conversations.
        for kind, field in (("merge:contact", "contact"), ("merge:company", "company")):
            extensions.register_relinker(
                kind,
                relinker(field),
                handles=handles(MailMessage, field) + handles(MailThread, field),
            )
        extensions.register_relinker(
            MERGE_KIND,
            relinker("case"),
            handles=handles(MailMessage, "case") + handles(MailThread, "case"),
        )
        # The kind is "mail", not "email": that one is the activity kind "E-mail".
        register_timeline_source(
            TimelineSource(
                kind="mail",
                label=_("E-mail messages"),
                entries=mail_timeline,
                template="mail/partials/_timeline_mail.html",
            )
        )
