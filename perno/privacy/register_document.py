"""The register of processing activities (Art. 30 GDPR) as a Word document (DOCX): pure
rendering of the register's context (``selectors.register``) into bytes."""

from __future__ import annotations

import io
from typing import Any

from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from docx import Document

from perno.core.privacy import CATEGORIES

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def register_docx(context: dict[str, Any]) -> bytes:
    """The document of the register described by ``context`` (``selectors.register``)."""

    controller = context["controller"]
    doc = Document()
    doc.add_heading(_("Register of processing activities (Art. 30 GDPR)"), level=0)
    doc.add_paragraph(
        _("Generated on %(when)s from Perno's configuration.")
        % {"when": date_format(localtime(context["generated_at"]), "SHORT_DATETIME_FORMAT")}
    )
    doc.add_heading(_("Controller"), level=1)
    for label, value in (
        (_("Controller"), controller.name),
        (_("Address"), controller.address),
        (_("E-mail"), controller.email),
        (_("Phone"), controller.phone),
        (_("Representative in the EU"), controller.representative),
        (_("Data protection officer"), f"{controller.dpo_name} {controller.dpo_email}".strip()),
        (_("Supervisory authority"), controller.supervisory_authority),
    ):
        doc.add_paragraph(f"{label}: {value or '—'}")
    for purpose in context["purposes"]:
        doc.add_heading(
            f"{purpose.name}{'' if purpose.is_active else ' (' + _('inactive') + ')'}", level=1
        )
        table = doc.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        rows = [
            (_("Code"), purpose.code),
            (_("Description"), purpose.description),
            (_("Legal basis"), purpose.get_legal_basis_display()),
            (_("Basis detail"), purpose.basis_detail),
            (_("Direct marketing"), _("yes") if purpose.is_direct_marketing else _("no")),
            (_("Data subjects"), purpose.data_subjects),
            (
                _("Data categories"),
                ", ".join(str(CATEGORIES.get(c, c)) for c in purpose.data_categories),
            ),
            (_("Recipients"), purpose.recipients),
            (_("Transfers outside the EU"), purpose.transfers or _("none")),
            (_("Security measures"), purpose.security_measures),
        ]
        for label, value in rows:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = str(label), str(value or "—")
    doc.add_heading(_("Retention periods"), level=1)
    table = doc.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    header = table.rows[0].cells
    header[0].text, header[1].text, header[2].text = (
        _("Data category"),
        _("Kept for"),
        _("Justification"),
    )
    for _code, label, rule in context["retention"]:
        cells = table.add_row().cells
        cells[0].text = str(label)
        cells[1].text = (
            ngettext("%(days)s day", "%(days)s days", rule.days) % {"days": rule.days}
            if rule and rule.days
            else _("no automatic limit")
        )
        cells[2].text = rule.justification if rule else ""
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
