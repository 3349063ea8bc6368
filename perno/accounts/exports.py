"""Exports of records (CSV/XLSX files and bulk API reads), under the export rules:

- the user needs the "export" right on the record type; only rows inside its scope are
  written and confidential fields stay hidden;
- per-role limits on rows per export and per day: a request over a limit is refused with
  a message saying so, never cut short into a partial file;
- every export is recorded (who, what, how many rows, which filter) for administrators.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from perno.accounts.confidential import redact, reference
from perno.accounts.models import ExportLog, User
from perno.accounts.permissions import access_for, check, restrict
from perno.audit.models import AuditEvent
from perno.audit.trail import lock_chain
from perno.audit.trail import record as audit

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
SKIP = {"version", "custom_fields", "search_vector"}


class ExportLimitError(PermissionDenied):
    """An export over the user's row limits: refused whole."""


@dataclass
class ExportFile:
    content: bytes
    filename: str
    content_type: str
    rows: int


def rows_exported_today(user: Any) -> int:
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    total = ExportLog.objects.filter(user_id=user.pk, created_at__gte=start).aggregate(
        n=Sum("rows")
    )["n"]
    return int(total or 0)


def authorise(*, user: Any, queryset: models.QuerySet, subject: str) -> tuple[models.QuerySet, int]:
    """The rows the user may export from ``queryset`` and their count, or an error that
    names the missing right or the limit. Locks the user row so that two exports at
    once cannot both pass the daily limit."""
    check(user, "export", subject)
    rows = queryset & restrict(queryset.model._default_manager.all(), user, "export")
    count = rows.count()
    access = access_for(user)
    if access.export_max_rows is not None and count > access.export_max_rows:
        raise ExportLimitError(
            _(
                "This export has %(count)s rows but your roles allow at most %(limit)s rows per export. Narrow the filter and try again."
            )
            % {"count": count, "limit": access.export_max_rows}
        )
    if access.export_daily_rows is not None:
        lock_chain()  # the audit chain before the row (see audit.trail.lock_chain)
        User.objects.select_for_update().filter(pk=user.pk).first()
        done = rows_exported_today(user)
        if done + count > access.export_daily_rows:
            raise ExportLimitError(
                _(
                    "This export has %(count)s rows; you have exported %(done)s of your %(limit)s rows for today. Narrow the filter or try again tomorrow."
                )
                % {"count": count, "done": done, "limit": access.export_daily_rows}
            )
    return rows, count


def record(
    *, user: Any, subject: str, fmt: str, channel: str, rows: int, filters: dict[str, Any]
) -> ExportLog:

    with transaction.atomic():
        lock_chain()
        log = ExportLog.objects.create(
            user=user,
            subject=subject,
            format=fmt,
            channel=channel,
            rows=rows,
            filters={k: v for k, v in filters.items() if v not in (None, "")},
        )
        audit(
            actor=user,
            action=AuditEvent.Action.EXPORT,
            record_type=subject,
            subject="",
            detail={"rows": rows, "format": fmt, "export_log": log.pk},
        )
    return log


def _columns(model: type[models.Model]) -> list[tuple[str, str]]:
    columns = [("id", "id")]
    for field in model._meta.concrete_fields:
        if field.name in SKIP or field.name == "id":
            continue
        columns.append((field.attname if not field.is_relation else field.name, field.name))
    return columns


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return formula_safe(str(value))


def formula_safe(text: str) -> str:
    """Text for a cell of a CSV or XLSX file that no spreadsheet takes for a formula
    (formula injection): a leading = + - @ tab or carriage return gets a quote, unless the
    text is a number (-12.5 stays a number)."""
    if text[:1] in {"=", "+", "-", "@", "\t", "\r"} and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except (ArithmeticError, ValueError):
        return False
    return True


def export_file(
    *,
    user: Any,
    queryset: models.QuerySet,
    fmt: str,
    filters: dict[str, Any],
    channel: str = ExportLog.Channel.WEB,
) -> ExportFile:
    """The whole file or an error: limits are checked before a byte is written."""
    if fmt not in FORMATS:
        raise PermissionDenied(_("Unknown export format; use csv or xlsx."))
    model = queryset.model
    subject = model._meta.model_name or ""
    with transaction.atomic():
        rows, count = authorise(user=user, queryset=queryset, subject=subject)
        columns = _columns(model)
        custom_keys: list[str] = []
        if any(f.name == "custom_fields" for f in model._meta.concrete_fields):
            custom_keys = sorted(
                {k for cf in rows.values_list("custom_fields", flat=True) for k in (cf or {})}
            )
        header = [name for _attr, name in columns] + ["tags"] + [f"custom.{k}" for k in custom_keys]
        has_tags = hasattr(model, "tags")
        queryset_rows = rows.select_related(None)
        if has_tags:
            queryset_rows = queryset_rows.prefetch_related("tags")

        def lines():
            for obj in queryset_rows.order_by("pk").iterator(chunk_size=2000):
                redact(user, obj, text=str(_("(confidential)")))
                tags = sorted(t.name for t in obj.tags.all()) if has_tags else []
                custom = getattr(obj, "custom_fields", None) or {}
                yield (
                    [_cell(reference(user, getattr(obj, attr))) for attr, _name in columns]
                    + [_cell(tags)]
                    + [_cell(custom.get(k)) for k in custom_keys]
                )

        buffer = io.BytesIO()
        if fmt == "csv":
            text = io.TextIOWrapper(buffer, encoding="utf-8-sig", newline="")
            writer = csv.writer(text)
            writer.writerow(header)
            writer.writerows(lines())
            text.flush()
            text.detach()
        else:
            book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True})
            sheet = book.add_worksheet(subject[:31])
            sheet.write_row(0, 0, header)
            for index, line in enumerate(lines(), start=1):
                sheet.write_row(index, 0, line)
            book.close()
        record(user=user, subject=subject, fmt=fmt, channel=channel, rows=count, filters=filters)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return ExportFile(buffer.getvalue(), f"perno-{subject}-{stamp}.{fmt}", FORMATS[fmt], count)
