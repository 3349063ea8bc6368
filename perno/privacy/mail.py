"""E-mails the privacy app sends: the double opt-in confirmation, and the envelope of
every marketing e-mail (which refuses a person who may not be contacted for the purpose
and always carries the one-click unsubscribe link, in the text and in the
List-Unsubscribe headers of RFC 8058)."""

from __future__ import annotations

import email.policy
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from perno.privacy.models import ConsentRequest, Purpose
from perno.privacy.rules import may_process
from perno.privacy.services import optin_hours, optin_token, unsubscribe_token


class MarketingMessage(EmailMessage):
    """Header lines may be as long as RFC 5322 allows (998), so the List-Unsubscribe URL
    is never folded into encoded words, which mail clients would not read as a URL."""

    def message(self, *, policy: Any = email.policy.default) -> Any:
        return super().message(policy=policy.clone(max_line_length=998))


def public_url(path: str) -> str:
    return settings.PERNO_PUBLIC_URL.rstrip("/") + path


def send_optin_email(*, request_id: int) -> bool:
    """Send the confirmation e-mail of a pending sign-up (once per sign-up)."""
    request = (
        ConsentRequest.objects.select_related("contact", "purpose", "notice")
        .filter(pk=request_id, confirmed_at__isnull=True)
        .first()
    )
    if request is None or not request.contact.email:
        return False
    contact = request.contact
    url = public_url(reverse("privacy:optin", args=[optin_token(request)]))
    with translation.override(contact.language or request.notice.language or None):
        body = _(
            "Hello,\n\nplease confirm that you want to receive “%(purpose)s”: open this link within %(hours)s hours:\n\n%(url)s\n\nIf you did not sign up, ignore this message: without your confirmation we will not write to you."
        ) % {"purpose": request.purpose.name, "hours": optin_hours(), "url": url}
        subject = _("Please confirm your subscription")
    EmailMessage(subject, body, None, [contact.email]).send()
    return True


def send_marketing_email(
    *, contact: Any, purpose: Purpose, subject: str, body: str, from_email: str | None = None
) -> None:
    """Send one marketing e-mail, only to a person who may be contacted for ``purpose``
    now, with the one-click unsubscribe link."""
    if not contact.email:
        raise ValidationError({"email": [_("This contact has no e-mail address.")]})
    if not may_process(contact, purpose):
        raise ValidationError(
            {
                "purpose": [
                    _(
                        "%(name)s may not be contacted for “%(purpose)s”: no valid consent or legal basis, or an objection or restriction."
                    )
                    % {"name": contact, "purpose": purpose.name}
                ]
            }
        )
    url = public_url(reverse("privacy:unsubscribe", args=[unsubscribe_token(contact, purpose)]))
    with translation.override(contact.language or None):
        footer = _("To stop receiving these e-mails, open: %(url)s") % {"url": url}
    message = MarketingMessage(
        subject,
        f"{body.rstrip()}\n\n--\n{footer}\n",
        from_email,
        [contact.email],
        headers={
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.send()
