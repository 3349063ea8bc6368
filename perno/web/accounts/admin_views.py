"""Administration pages: users, roles and their rights, teams, confidential fields,
encryption at rest, the export log and log-in lockouts. Every page and action asks the
gate for "manage"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from perno.accounts import lockout, services, twofactor
from perno.accounts.confidential import field_choices
from perno.accounts.models import ConfidentialField, ExportLog, Role, Team, User
from perno.accounts.permissions import check
from perno.accounts.rights import RECORD_ACTIONS, SUBJECTS
from perno.core import sealing
from perno.core.pagination import paginate
from perno.privacy import keys
from perno.privacy.models import KeyRotation
from perno.records.confidential import confidential_fields_set
from perno.records.models import SealedField
from perno.web.accounts.forms import NewUserForm, RoleForm, TeamForm, UserForm, add_errors


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    check(request.user, "manage", "user")
    users = User.objects.select_related("team").prefetch_related("roles").order_by("username")
    return render(request, "accounts/admin/user_list.html", {"users": users})


@login_required
def user_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    check(request.user, "manage", "user")
    target = get_object_or_404(User, pk=pk) if pk else None
    form_class = UserForm if target else NewUserForm
    form = form_class(request.POST or None, instance=target)
    if request.method == "POST" and "reset_2fa" in request.POST and target:
        twofactor.disable(actor=request.user, user=target)
        messages.success(request, _("Two-factor authentication was reset for this user."))
        return HttpResponseRedirect(reverse("accounts:user_edit", args=[target.pk]))
    if request.method == "POST" and "logout" in request.POST and target:
        services.logout_everywhere(user=target)
        messages.success(request, _("The user was logged out everywhere."))
        return HttpResponseRedirect(reverse("accounts:user_edit", args=[target.pk]))
    if request.method == "POST" and form.is_valid():
        data = {
            k: form.cleaned_data[k]
            for k in (
                "username",
                "first_name",
                "last_name",
                "email",
                "team",
                "country",
                "is_active",
            )
        }
        try:
            saved = services.user_save(
                actor=request.user,
                user=User.objects.get(pk=target.pk) if target else None,
                data=data,
                roles=list(form.cleaned_data["roles"]),
                password=form.cleaned_data.get("password"),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(reverse("accounts:user_edit", args=[saved.pk]))
    return render(
        request,
        "accounts/admin/user_form.html",
        {
            "form": form,
            "target": target,
            "has_2fa": bool(target and twofactor.confirmed_device(target)),
        },
        status=400 if form.errors else 200,
    )


@login_required
def role_list(request: HttpRequest) -> HttpResponse:
    check(request.user, "manage", "role")
    roles = Role.objects.prefetch_related("users").order_by("name")
    rows = []
    for role in roles:
        rights = role.rights or {}
        rows.append(
            {
                "role": role,
                "cells": [
                    [rights.get(subject, {}).get(action, "none") for action in RECORD_ACTIONS]
                    for subject in SUBJECTS
                ],
            }
        )
    return render(
        request,
        "accounts/admin/role_list.html",
        {"rows": rows, "subjects": SUBJECTS, "actions": RECORD_ACTIONS},
    )


@login_required
def role_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    check(request.user, "manage", "role")
    role = get_object_or_404(Role, pk=pk) if pk else None
    form = RoleForm(request.POST or None, instance=role)
    if request.method == "POST" and "delete" in request.POST and role:
        try:
            services.role_delete(actor=request.user, role=role)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(reverse("accounts:role_edit", args=[role.pk]))
        messages.success(request, _("The role was deleted."))
        return HttpResponseRedirect(reverse("accounts:role_list"))
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in RoleForm.Meta.fields}
        try:
            saved = services.role_save(
                actor=request.user,
                role=Role.objects.get(pk=role.pk) if role else None,
                data=data,
                rights=form.rights(),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Saved. The new rights apply from the users' next click."))
            return HttpResponseRedirect(reverse("accounts:role_edit", args=[saved.pk]))
    return render(
        request,
        "accounts/admin/role_form.html",
        {"form": form, "role": role, "actions": RECORD_ACTIONS},
        status=400 if form.errors else 200,
    )


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    check(request.user, "manage", "team")
    editing = None
    if request.POST.get("team"):
        editing = get_object_or_404(Team, pk=request.POST["team"])
    form = TeamForm(request.POST or None, instance=editing)
    if request.method == "POST" and form.is_valid():
        try:
            services.team_save(
                actor=request.user,
                team=editing,
                data={k: form.cleaned_data[k] for k in ("name", "parent", "country")},
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(reverse("accounts:team_list"))
    teams = list(Team.objects.select_related("parent").order_by("name"))
    return render(
        request,
        "accounts/admin/team_list.html",
        {"teams": teams, "form": form, "edit_forms": [(t, TeamForm(instance=t)) for t in teams]},
        status=400 if form.errors else 200,
    )


@login_required
def confidential(request: HttpRequest) -> HttpResponse:
    check(request.user, "manage", "confidentialfield")
    if request.method == "POST":
        subject = request.POST.get("subject", "")
        try:
            confidential_fields_set(
                actor=request.user, subject=subject, fields=request.POST.getlist("fields")
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Saved."))
        return HttpResponseRedirect(reverse("accounts:confidential"))
    groups = field_groups(ConfidentialField.objects.all(), SUBJECTS.items(), field_choices)
    return render(request, "accounts/admin/confidential.html", {"groups": groups})


def field_groups(
    marks: Any, subjects: Any, choices: Callable[[str], list[tuple[str, str]]]
) -> list[dict[str, Any]]:
    """Per record type, the fields that can be marked (confidential, encrypted), ticked
    when ``marks`` (rows with ``subject`` and ``field``) holds them."""
    marked: dict[str, set[str]] = {}
    for subject, name in marks.values_list("subject", "field"):
        marked.setdefault(subject, set()).add(name)
    return [
        {
            "subject": subject,
            "label": label,
            "fields": [
                (name, field_label, name in marked.get(subject, set()))
                for name, field_label in choices(subject)
            ],
        }
        for subject, label in subjects
    ]


@login_required
def encryption(request: HttpRequest) -> HttpResponse:
    """Fields encrypted at rest, the keys, and re-encryption runs."""

    check(request.user, "manage", "sealedfield")
    if request.method == "POST":
        try:
            if request.POST.get("action") == "rotate":
                keys.start(actor=request.user)
                messages.success(request, _("Re-encryption started."))
            else:
                rotation = keys.marks_set(
                    actor=request.user,
                    subject=request.POST.get("subject", ""),
                    fields=request.POST.getlist("fields"),
                )
                messages.success(
                    request,
                    _("Saved. The stored values are being re-encrypted.")
                    if rotation
                    else _("Nothing changed."),
                )
        except (ValidationError, keys.RotationError) as exc:
            text = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            messages.error(request, " ".join(text))
        return HttpResponseRedirect(reverse("accounts:encryption"))
    rotations = list(KeyRotation.objects.select_related("actor")[:5])
    running = any(r.status in (r.Status.QUEUED, r.Status.RUNNING) for r in rotations)
    if request.headers.get("HX-Request"):
        return render(
            request,
            "accounts/admin/_rotations.html",
            {"rotations": rotations, "running": running},
        )
    groups = field_groups(SealedField.objects.all(), keys.subjects(), keys.field_choices)
    try:
        ring = sealing.ring()
        key_ids, current, key_error = list(ring.keys), ring.current, ""
    except Exception as exc:  # a malformed setting: say what is wrong
        key_ids, current, key_error = [], "", str(exc)
    return render(
        request,
        "accounts/admin/encryption.html",
        {
            "groups": groups,
            "key_ids": key_ids,
            "current": current,
            "key_error": key_error,
            "rotations": rotations,
            "running": running,
        },
    )


@login_required
def export_log(request: HttpRequest) -> HttpResponse:
    check(request.user, "manage", "exportlog")
    qs = ExportLog.objects.select_related("user").order_by("-created_at", "-id")
    if request.GET.get("user"):
        qs = qs.filter(user__username=request.GET["user"])
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    page = paginate(qs, number, 50)
    return render(request, "accounts/admin/export_log.html", {"page": page})


@login_required
def lockouts(request: HttpRequest) -> HttpResponse:
    check(request.user, "manage", "loginattempt")
    if request.method == "POST":
        cleared = lockout.unlock(
            actor=request.user,
            username=request.POST.get("username", ""),
            ip=request.POST.get("ip", ""),
        )
        messages.success(request, _("Unlocked (%(n)s failed attempts cleared).") % {"n": cleared})
        return HttpResponseRedirect(reverse("accounts:lockouts"))
    return render(request, "accounts/admin/lockouts.html", {"locked": lockout.locked_out()})
