"""The detail page shared by leads, deals, products and orders."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from perno.accounts.confidential import redact
from perno.accounts.selectors import user_list
from perno.records.history import change_history


def detail_page(
    request: HttpRequest, obj: Any, record_type: str, template: str, **extra: Any
) -> HttpResponse:
    return render(
        request,
        template,
        {
            "object": redact(request.user, obj),
            "record_type": record_type,
            "users": user_list(user=request.user),
            "history": change_history(user=request.user, instance=obj),
            **extra,
        },
    )
