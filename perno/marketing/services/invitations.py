"""Personal links: the signed token of an invitation, creating the invitations of a
survey and e-mailing them."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.accounts.permissions import check
from perno.audit.models import ChangeEntry
from perno.audit.services import change_record
from perno.audit.trail import lock_chain
from perno.marketing.languages import chrome
from perno.marketing.models import Invitation, Question, Response, Survey
from perno.marketing.tasks import send_invitations_task
from perno.privacy.mail import public_url, send_marketing_email
from perno.privacy.rules import processable

TOKEN_SALT = "perno.marketing.survey-link"  # noqa: S105 (a signing namespace, not a secret)


def link_token(invitation: Invitation) -> str:
    return signing.dumps(
        {"i": invitation.pk, "n": invitation.nonce}, salt=TOKEN_SALT, compress=True
    )


class LinkError(Exception):
    """A personal link that cannot be answered; ``code`` is a key of the page's words."""

    def __init__(self, code: str, invitation: Invitation | None = None):
        super().__init__(code)
        self.code = code
        self.invitation = invitation


def invitation_from_token(token: str) -> Invitation:
    """The invitation of a link, or LinkError("invalid"|"expired"|"answered"|"closed")."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT)
        invitation = (
            Invitation.objects.select_related("survey", "contact")
            .filter(pk=int(data["i"]), nonce=str(data["n"]))
            .first()
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        invitation = None
    if invitation is None:
        raise LinkError("invalid")
    if invitation.answered_at is not None:
        raise LinkError("answered", invitation)
    if invitation.survey.status != Survey.Status.PUBLISHED:
        raise LinkError("closed", invitation)
    if invitation.expires_at < timezone.now():
        raise LinkError("expired", invitation)
    return invitation


@dataclass
class InviteResult:
    created: list[Invitation] = field(default_factory=list)
    skipped: list[tuple[Any, str]] = field(default_factory=list)


def invitations_create(
    *, actor: Any, survey: Survey, contacts: Iterable[Any], send: bool = True
) -> InviteResult:
    """Personal links for ``contacts`` who may be contacted for the survey's purpose and
    have an e-mail address; the others are listed with the reason. The e-mails go out
    after the transaction (in the background when workers run)."""

    check(actor, "edit", survey)
    if survey.status != Survey.Status.PUBLISHED:
        raise ValidationError(_("Publish the survey before sending invitations."))
    people = list(contacts)
    answered: set[int] = set()
    allowed: set[int] = set()
    affiliated: set[int] = set()
    if people:
        rows = type(people[0]).objects.filter(pk__in=[p.pk for p in people])
        allowed = set(processable(rows, survey.purpose).values_list("pk", flat=True))
        affiliated = set(rows.filter(affiliations__isnull=False).values_list("pk", flat=True))
        answered = set(
            Response.objects.filter(survey=survey, contact__in=rows).values_list(
                "contact_id", flat=True
            )
        )
    result = InviteResult()
    now = timezone.now()
    with transaction.atomic():
        lock_chain()  # the audit chain before any row (see audit.trail.lock_chain)
        for person in people:
            if not person.email:
                result.skipped.append((person, _("no e-mail address")))
                continue
            if person.pk not in allowed:
                result.skipped.append(
                    (
                        person,
                        _("may not be contacted for “%(purpose)s”")
                        % {"purpose": survey.purpose.name},
                    )
                )
                continue
            if person.pk in answered:
                result.skipped.append((person, _("has already answered")))
                continue
            language = (
                person.language if person.language in survey.languages else survey.languages[0]
            )
            result.created.append(
                Invitation.objects.create(
                    survey=survey,
                    contact=person,
                    language=language,
                    audience=Question.Audience.B2B
                    if person.pk in affiliated
                    else Question.Audience.B2C,
                    nonce=secrets.token_hex(16),
                    created_at=now,
                    expires_at=now + timedelta(days=survey.link_days),
                    created_by=actor if getattr(actor, "pk", None) else None,
                )
            )
        change_record(
            actor=actor,
            instance=survey,
            action=ChangeEntry.Action.UPDATE,
            changes={"invitations": [None, len(result.created)]},
        )
        if send and result.created:
            ids = [i.pk for i in result.created]
            transaction.on_commit(lambda: send_invitations_task.delay(ids))
    return result


def send_invitation(invitation: Invitation) -> None:
    """E-mail one personal link, through the marketing e-mail rules (purpose check and
    one-click unsubscribe)."""

    survey = invitation.survey
    words = chrome(invitation.language)
    url = public_url(reverse("marketing:answer", args=[link_token(invitation)]))
    title = survey.title.get(invitation.language) or survey.name
    intro = survey.intro.get(invitation.language, "")
    body = f"{title}\n\n{intro}\n\n{url}\n\n{words['privacy']}".replace("\n\n\n\n", "\n\n")
    try:
        send_marketing_email(
            contact=invitation.contact, purpose=survey.purpose, subject=title, body=body
        )
    except (ValidationError, OSError) as exc:
        message = " ".join(getattr(exc, "messages", [str(exc)]))[:300]
        Invitation.objects.filter(pk=invitation.pk).update(send_error=message)
        return
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now(), send_error="")


def invitation_after_event(*, survey: Survey, contact: Any) -> Invitation | None:
    """One personal link sent by the system after an event that an administrator tied
    to ``survey`` (a resolved customer-care case asks how it went). Unlike
    ``invitations_create`` a contact may answer it again after each event; the purpose
    and consent rules are the same. None (and nothing stored) when the survey is not
    published, the person has no e-mail address or may not be contacted for the
    survey's purpose."""

    if survey.status != Survey.Status.PUBLISHED or not contact.email:
        return None
    rows = type(contact).objects.filter(pk=contact.pk)
    if not processable(rows, survey.purpose).exists():
        return None
    now = timezone.now()
    language = contact.language if contact.language in survey.languages else survey.languages[0]
    with transaction.atomic():
        lock_chain()  # the audit chain before any row (see audit.trail.lock_chain)
        invitation = Invitation.objects.create(
            survey=survey,
            contact=contact,
            language=language,
            audience=Question.Audience.B2B
            if rows.filter(affiliations__isnull=False).exists()
            else Question.Audience.B2C,
            nonce=secrets.token_hex(16),
            created_at=now,
            expires_at=now + timedelta(days=survey.link_days),
        )
        change_record(
            actor=None,
            instance=survey,
            action=ChangeEntry.Action.UPDATE,
            changes={"invitations": [None, 1]},
        )
        transaction.on_commit(lambda: send_invitations_task.delay([invitation.pk]))
    return invitation
