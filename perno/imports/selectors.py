"""Every read of imports: a user sees their own jobs and mappings; administrators
(the right to administer Perno) see every job. Another user's job is a 404, as if it did not exist."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from perno.accounts.permissions import access_for
from perno.imports.models import ImportJob, ImportMapping


def administers(user: Any) -> bool:
    return bool(getattr(user, "pk", None)) and access_for(user).administer


def _jobs(user: Any) -> QuerySet[ImportJob]:
    jobs = ImportJob.objects.select_related("created_by")
    if administers(user):
        return jobs
    if not getattr(user, "pk", None):
        return jobs.none()
    return jobs.filter(created_by=user)


def import_get(*, user: Any, pk: Any) -> ImportJob:
    try:
        return _jobs(user).get(pk=int(pk))
    except (ValueError, TypeError, OverflowError, ImportJob.DoesNotExist) as exc:
        raise Http404 from exc


def import_list(*, user: Any) -> QuerySet[ImportJob]:
    return _jobs(user).order_by("-created_at", "-id")


def mapping_list(*, user: Any, entity: str = "") -> QuerySet[ImportMapping]:
    if not getattr(user, "pk", None):
        return ImportMapping.objects.none()
    mappings = ImportMapping.objects.filter(owner=user)
    return mappings.filter(entity=entity) if entity else mappings


def mapping_get(*, user: Any, entity: str, name: str) -> ImportMapping:
    found = mapping_list(user=user, entity=entity).filter(name=name).first()
    if found is None:
        raise Http404
    return found
