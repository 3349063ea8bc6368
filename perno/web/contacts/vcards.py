"""vCard downloads of contacts: one contact, the filtered list (``?export=vcf``) or the
selected rows (the bulk form's "Export vCard")."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from perno.contacts import selectors
from perno.contacts.vcard import contacts_vcard


def vcard_response(request: HttpRequest, queryset: Any, filters: dict[str, Any]) -> HttpResponse:
    """The .vcf file, or back to the list with the reason it was refused."""
    try:
        result = contacts_vcard(user=request.user, queryset=queryset, filters=filters)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        query = request.GET.copy()
        query.pop("export", None)
        return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")
    response = HttpResponse(result.content, content_type=result.content_type)
    response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    return response


@login_required
def contact_vcard(request: HttpRequest, pk: int) -> HttpResponse:
    """One contact's card (404 when the contact is out of sight, 403 without the export
    right)."""
    contact = selectors.contact_get(user=request.user, pk=pk)
    result = contacts_vcard(
        user=request.user,
        queryset=selectors.contact_list(user=request.user).filter(pk=contact.pk),
        filters={"id": str(contact.pk)},
    )
    response = HttpResponse(result.content, content_type=result.content_type)
    response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    return response
