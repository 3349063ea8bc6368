"""The explicit read step: a page or an API operation that shows one record to a user
calls ``record_shown`` once. It writes the read audit (when the record holds personal
data) and notes the visit for search ranking. The gate (``accounts.permissions``) only
decides and returns; it writes nothing."""

from __future__ import annotations

from typing import Any

from perno.audit.trail import record_read
from perno.search.history import EDIT, VIEW, note


def record_shown[Shown](obj: Shown, *, user: Any, purpose: str = "view") -> Shown:
    """``obj`` was handed to ``user`` for ``purpose`` (view, edit, delete...); returns it."""
    note(user, obj, VIEW if purpose == "view" else EDIT)
    record_read(actor=user, obj=obj, purpose=purpose)  # type: ignore[arg-type]
    return obj
