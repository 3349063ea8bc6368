"""Public pages, no log-in: a sign-up form per purpose (double opt-in), the
confirmation link, and the one-click unsubscribe link of marketing e-mails. They answer
only through signed links and never reveal whether someone is already known."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt

from perno.contacts.services import contact_intake
from perno.core.net import client_ip
from perno.privacy import services
from perno.privacy.models import Channel, Purpose
from perno.privacy.tasks import send_optin_email_task


class SignupForm(forms.Form):
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=100)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=100)
    email = forms.EmailField(label=gettext_lazy("E-mail"))
    agree = forms.BooleanField(
        label=gettext_lazy("I have read the notice above and I agree."),
        error_messages={"required": gettext_lazy("Tick the box to agree to the notice.")},
    )


def _agent(request: HttpRequest) -> str:
    return request.headers.get("User-Agent", "")[:300]


def signup(request: HttpRequest, code: str) -> HttpResponse:
    purpose = Purpose.objects.filter(code=code, is_active=True).first()
    if purpose is None:
        raise Http404
    language = getattr(request, "LANGUAGE_CODE", "") or ""
    notice = services.current_notice(purpose, language)
    if notice is None:
        raise Http404
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in ("first_name", "last_name", "email")}
        try:
            with transaction.atomic():
                contact = contact_intake(
                    data={**data, "language": language[:8]},
                    channel=Channel.WEB_FORM,
                    detail=request.build_absolute_uri(),
                )
                pending, _token = services.signup_start(
                    contact=contact,
                    purpose=purpose,
                    source=request.build_absolute_uri(),
                    ip_address=client_ip(request),
                    user_agent=_agent(request),
                    language=language,
                )
                transaction.on_commit(lambda: send_optin_email_task.delay(pending.pk))
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            return render(
                request,
                "privacy/public/signup_done.html",
                {"purpose": purpose, "email": data["email"]},
            )
    return render(
        request,
        "privacy/public/signup.html",
        {"purpose": purpose, "notice": notice, "form": form},
        status=400 if form.errors else 200,
    )


def optin(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners follow links; they do not press buttons); the
    POST confirms."""
    if request.method != "POST":
        return render(request, "privacy/public/optin.html", {"token": token})
    try:
        event = services.signup_confirm(
            token=token, ip_address=client_ip(request), user_agent=_agent(request)
        )
    except services.LinkError as exc:
        return render(
            request, "privacy/public/link_problem.html", {"message": str(exc)}, status=400
        )
    return render(request, "privacy/public/optin_done.html", {"purpose": event.purpose})


@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" without a form
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One click: opening the link withdraws, no log-in, no form."""
    try:
        _contact, purpose = services.unsubscribe(
            token=token, ip_address=client_ip(request), user_agent=_agent(request)
        )
    except services.LinkError as exc:
        return render(
            request, "privacy/public/link_problem.html", {"message": str(exc)}, status=400
        )
    if request.method == "POST":
        return HttpResponse(_("Unsubscribed."), content_type="text/plain; charset=utf-8")
    return render(request, "privacy/public/unsubscribed.html", {"purpose": purpose})
