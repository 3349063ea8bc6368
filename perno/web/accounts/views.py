"""The user's own security pages: log-in (with lockout and second factor), two-factor
set-up, password change and reset, log-out everywhere and API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from perno.accounts import services, twofactor
from perno.accounts.models import ApiToken
from perno.accounts.permissions import access_for
from perno.web.accounts.forms import CodeForm, LoginForm, TokenForm, add_errors, style


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "web/login.html"
    redirect_authenticated_user = True


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("web:dashboard")


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of the log-in: a code from the authenticator or a recovery code."""
    if not twofactor.needs_second_factor(request):
        return HttpResponseRedirect(_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if twofactor.verify(request=request, code=form.cleaned_data["code"]):
            return HttpResponseRedirect(_next(request))
        form.add_error(
            "code",
            _(
                "This code is wrong, expired or already used. Enter the current code from your app or an unused recovery code."
            ),
        )
    return render(request, "accounts/verify.html", {"form": form, "next": _next(request)})


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Set up, renew recovery codes for or turn off the authenticator app."""
    user = request.user
    device = twofactor.confirmed_device(user)
    required = access_for(user).require_2fa
    codes: list[str] | None = None
    form = CodeForm(request.POST or None)
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    action = request.POST.get("action", "")
    if request.method == "POST":
        if action == "start":
            pending = twofactor.enrolment_start(user=user)  # type: ignore[arg-type]
            form = CodeForm()
        elif action == "confirm" and pending is not None and form.is_valid():
            codes = twofactor.enrolment_confirm(
                request=request, device=pending, code=form.cleaned_data["code"]
            )
            if codes is None:
                form.add_error(
                    "code", _("This code is wrong. Check the time on your phone and try again.")
                )
            else:
                device, pending = twofactor.confirmed_device(user), None
                messages.success(request, _("Two-factor authentication is on."))
        elif action == "recovery" and device is not None:
            codes = twofactor.recovery_codes_renew(user=user)  # type: ignore[arg-type]
        elif action == "disable" and device is not None:
            if required:
                messages.error(
                    request, _("Your role requires two-factor authentication; it stays on.")
                )
            else:
                twofactor.disable(actor=user, user=user)  # type: ignore[arg-type]
                device = None
                messages.success(request, _("Two-factor authentication is off."))
    context: dict[str, Any] = {
        "device": device,
        "pending": pending,
        "required": required,
        "codes": codes,
        "form": form,
        "codes_left": twofactor.recovery_codes_left(user) if device else 0,  # type: ignore[arg-type]
    }
    if pending is not None:
        context["qr"] = twofactor.qr_svg(pending)
        context["secret"] = twofactor.secret_text(pending)
    return render(request, "accounts/two_factor.html", context)


@login_required
@require_POST
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    services.logout_everywhere(user=request.user)  # type: ignore[arg-type]
    logout(request)
    messages.success(request, _("You have been logged out of every browser and device."))
    return HttpResponseRedirect(reverse("web:login"))


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """The user's API tokens: create (shown once), see use, revoke."""
    created: str | None = None
    form = TokenForm(request.POST or None)
    if request.method == "POST":
        if "revoke" in request.POST:
            token = get_object_or_404(ApiToken, pk=request.POST["revoke"], user=request.user)
            services.token_revoke(actor=request.user, token=token)
            messages.success(request, _("The token was revoked."))
            return HttpResponseRedirect(reverse("accounts:tokens"))
        if form.is_valid():
            try:
                _token, created = services.token_create(
                    user=request.user,  # type: ignore[arg-type]
                    name=form.cleaned_data["name"],
                    scope=form.cleaned_data["scope"],
                    expires_in_days=form.cleaned_data["expires_in_days"],
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                form = TokenForm()
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "created": created,
            "tokens": ApiToken.objects.filter(user_id=request.user.pk or 0).order_by("-created_at"),
        },
    )


@login_required
def security(request: HttpRequest) -> HttpResponse:
    """The user's security overview."""
    return render(
        request,
        "accounts/security.html",
        {
            "device": twofactor.confirmed_device(request.user),
            "required": access_for(request.user).require_2fa,
        },
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_form.html"
    success_url = reverse_lazy("accounts:security")

    def get_form(self, form_class: Any = None) -> Any:
        form = super().get_form(form_class)
        style(form)
        return form

    def form_valid(self, form: Any) -> HttpResponse:
        messages.success(self.request, _("Your password was changed."))
        return super().form_valid(form)


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def get_form(self, form_class: Any = None) -> Any:
        form = super().get_form(form_class)
        style(form)
        return form


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def get_form(self, form_class: Any = None) -> Any:
        form = super().get_form(form_class)
        style(form)
        return form
