"""Points where a higher app adds to a lower one, filled at start-up (``AppConfig.ready``)
so that a lower layer never names a higher app:

- ``source_writer``: records where a person's data came from (Art. 14); the privacy app
  registers it, the contact services call ``data_source_record`` explicitly in the
  transaction that creates the person;
- ``filter_extensions``: extra filters a higher app adds to a record list's filter set
  (the privacy app adds "may be processed for" to the contact list);
- ``relinkers``: what moves records that point at one record to another (lead
  conversion today, merge later); each app that holds such references registers one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ImproperlyConfigured

_source_writer: list[Callable[..., Any]] = []
_relinkers: dict[str, list[Callable[..., int]]] = {}
_relinked: dict[str, set[str]] = {}


def register_source_writer(writer: Callable[..., Any]) -> None:
    _source_writer[:] = [writer]


def data_source_record(*, actor: Any, contact: Any, channel: str, detail: str = "") -> Any:
    """Where ``contact``'s data came from; written in the caller's transaction."""
    if not _source_writer:
        raise ImproperlyConfigured("No data-source writer registered (is perno.privacy installed?)")
    return _source_writer[0](actor=actor, contact=contact, channel=channel, detail=detail)


def register_filter(filterset: type, name: str, build: Callable[[], Any], after: str = "") -> None:
    """Add the filter ``build()`` as ``name`` to ``filterset`` (a django-filter FilterSet),
    placed after the filter ``after`` in the form."""
    filters = dict(filterset.base_filters)  # type: ignore[attr-defined]
    filters.pop(name, None)
    ordered: dict[str, Any] = {}
    for key, value in filters.items():
        ordered[key] = value
        if key == after:
            ordered[name] = build()
    if name not in ordered:
        ordered[name] = build()
    filterset.base_filters = ordered  # type: ignore[attr-defined]


def register_relinker(
    kind: str, relink: Callable[..., int], *, handles: Iterable[str] = ()
) -> None:
    """``relink(source=obj, actor=user, **targets) -> count`` moves what points at a
    record of ``kind`` to the records it became (a converted lead: contact, company
    and deal; a merged contact or company: ``merge:contact``, ``merge:company``); each
    app holding such links registers one. ``handles`` names the links it moves
    (``"app_label.Model.field"``): a test checks that every link to a merged record
    type is handled by someone."""
    if relink not in _relinkers.setdefault(kind, []):
        _relinkers[kind].append(relink)
    _relinked.setdefault(kind, set()).update(handles)


def declare_relinked(kind: str, *names: str) -> None:
    """Links that the service of ``kind`` moves itself (a merge joins the tags)."""
    _relinked.setdefault(kind, set()).update(names)


def relinked(kind: str) -> set[str]:
    """The links (``"app_label.Model.field"``) the relinkers of ``kind`` move."""
    return set(_relinked.get(kind, set()))


def relink(kind: str, *, source: Any, actor: Any, **targets: Any) -> int:
    """Move what points at ``source`` (in the caller's transaction); returns how many
    rows moved."""
    return sum(fn(source=source, actor=actor, **targets) for fn in _relinkers.get(kind, []))
