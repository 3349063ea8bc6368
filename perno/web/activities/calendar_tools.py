"""The calendar's other pages: the secret ICS feed (made, shown once, revoked) and the
feed itself (no log-in: the token is the key), importing an .ics file, and inviting a
meeting's contacts by e-mail (docs/calendar.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from perno.accounts.permissions import check, restrict
from perno.activities import calendar, selectors
from perno.activities.calendar_feeds import (
    feed_authenticate,
    feed_create,
    feed_get,
    feed_list,
    feed_revoke,
)
from perno.activities.calendar_ics import feed_ics
from perno.activities.calendar_import import ics_import
from perno.activities.calendar_invites import email_hidden, invitation_list, invitations_send
from perno.activities.models import Activity
from perno.audit.trail import record_list
from perno.contacts.models import Contact
from perno.core.net import client_ip
from perno.records.reads import record_shown
from perno.web.activities.calendar_forms import IcsImportForm, InviteForm

# Calendar apps poll a feed every few minutes to hours; more than this per minute from
# one address is not a calendar app.
FEED_REQUESTS_PER_MINUTE = 60


def _feed_address(request: HttpRequest, clear: str) -> str:
    return request.build_absolute_uri(reverse("activities:calendar_feed_ics", args=[clear]))


@login_required
def calendar_feeds(request: HttpRequest) -> HttpResponse:
    """The user's calendar address: make one (shown once; any older one stops working),
    or revoke it."""
    created = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            feed = feed_get(user=request.user, pk=request.POST.get("feed"))
            feed_revoke(actor=request.user, feed=feed)
            messages.success(request, _("The calendar address was revoked: it no longer works."))
            return HttpResponseRedirect(reverse("activities:calendar_feeds"))
        _feed, clear = feed_create(actor=request.user)
        created = _feed_address(request, clear)
    return render(
        request,
        "activities/calendar/feeds.html",
        {"created": created, "feeds": feed_list(user=request.user)[:20]},
    )


def _too_many(request: HttpRequest) -> bool:
    key = f"perno:calendar-feed:{client_ip(request) or '-'}"
    if cache.add(key, 1, timeout=60):
        return False
    try:
        return cache.incr(key) > FEED_REQUESTS_PER_MINUTE
    except ValueError:  # expired between the two calls
        return False


@require_safe
def calendar_feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The ICS feed of the user whose secret address this is (no log-in): their tasks,
    calls and meetings that they may see, from 90 days back to a year ahead. An unknown
    or revoked address is a 404."""
    if _too_many(request):
        response = HttpResponse(
            _("Too many requests for calendar feeds; try again in a minute."),
            status=429,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = "60"
        return response
    feed = feed_authenticate(token)
    if feed is None:
        raise Http404
    user = feed.user
    activities = calendar.feed_activities(user=user)
    record_list(actor=user, model=Activity, ids=[a.pk for a in activities])
    body = feed_ics(
        user=user,
        activities=activities,
        name=_("Perno: %(user)s") % {"user": user},
        url_for=lambda a: request.build_absolute_uri(a.get_absolute_url()),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="perno.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def calendar_import(request: HttpRequest) -> HttpResponse:
    """Upload an .ics file: its events become the user's meetings (all or nothing)."""
    check(request.user, "create", "activity")
    form = IcsImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = ics_import(actor=request.user, data=form.cleaned_data["file"])
            except ValidationError as exc:
                for message in exc.message_dict.get("file", exc.messages):
                    form.add_error("file", message)
            else:
                messages.success(request, result.summary())
                first = result.meetings[0].start.date().isoformat() if result.meetings else ""
                target = reverse("activities:calendar")
                return HttpResponseRedirect(f"{target}?date={first}" if first else target)
        status = 400
    return render(request, "activities/calendar/import.html", {"form": form}, status=status)


def _choices(user: Any, activity: Activity) -> list[tuple[str, str]]:
    """The contacts offered on the invitation form: the meeting's contact and the
    contacts of its company, those the user may see, with an e-mail address."""
    if email_hidden(user):
        return []
    visible = restrict(Contact.objects.exclude(email=""), user, "view")
    condition = visible.none()
    if activity.contact_id:
        condition = visible.filter(pk=activity.contact_id)
    if activity.company_id:
        condition = condition | visible.filter(affiliations__company_id=activity.company_id)
    return [
        (str(c.pk), f"{c} <{c.email}>")
        for c in condition.distinct().order_by("last_name", "first_name", "id")[:100]
    ]


@login_required
def calendar_invite(request: HttpRequest, pk: int) -> HttpResponse:
    """Invite contacts to a meeting (iMIP e-mail with the .ics), and see who was invited."""
    activity = record_shown(
        selectors.activity_get(user=request.user, pk=pk, action="edit"),
        user=request.user,
        purpose="edit",
    )
    choices = _choices(request.user, activity)
    initial = {"contacts": [str(activity.contact_id)] if activity.contact_id else []}
    form = InviteForm(request.POST or None, choices=choices, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                sent = invitations_send(
                    actor=request.user,
                    activity=activity,
                    contact_ids=form.cleaned_data["contacts"],
                    emails=form.addresses(),
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                for key, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(key if key in form.fields else None, error)
            else:
                messages.success(
                    request,
                    _("The invitation goes to %(names)s.")
                    % {"names": ", ".join(i.name for i in sent)},
                )
                return HttpResponseRedirect(
                    reverse("activities:calendar_invite", args=[activity.pk])
                )
        status = 400
    invitations = list(invitation_list(user=request.user, activity=activity))
    hidden = email_hidden(request.user)
    seen = set(
        restrict(
            Contact.objects.filter(pk__in=[i.contact_id for i in invitations]), request.user, "view"
        ).values_list("pk", flat=True)
    )
    rows = [
        {
            "invitation": i,
            "visible": i.contact_id in seen,
            "show_email": i.contact_id in seen and not hidden,
        }
        for i in invitations
    ]
    return render(
        request,
        "activities/calendar/invite.html",
        {
            "object": activity,
            "form": form,
            "rows": rows,
            "sender": settings.DEFAULT_FROM_EMAIL,
            "meeting_ready": activity.kind == Activity.Kind.MEETING and activity.due_at is not None,
        },
        status=status,
    )
