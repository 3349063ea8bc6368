from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "perno.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        # Registrations into lower layers (they never name this app).
        from perno.accounts.confidential import register_subject
        from perno.activities.selectors import TimelineSource, register_timeline_source
        from perno.cases.models import Case, CaseNote
        from perno.cases.selectors import case_timeline
        from perno.cases.services import MERGE_KIND
        from perno.records import extensions
        from perno.records.relinking import handles, moving

        register_subject(Case)
        # A contact or company merge moves its cases to the survivor; a case merge
        # moves the cases merged earlier into the merged case.
        for kind in ("contact", "company"):
            extensions.register_relinker(
                f"merge:{kind}", moving(Case, kind), handles=handles(Case, kind)
            )
        extensions.register_relinker(
            MERGE_KIND, moving(Case, "merged_into"), handles=handles(Case, "merged_into")
        )
        # The internal notes of a merged case go to the case kept, with the work.
        extensions.register_relinker(
            MERGE_KIND, moving(CaseNote, "case"), handles=handles(CaseNote, "case")
        )
        register_timeline_source(
            TimelineSource(
                kind="case",
                label=_("Cases"),
                entries=case_timeline,
                template="cases/partials/_timeline_case.html",
            )
        )
        _register_bulk()


def _register_bulk() -> None:
    """Bulk edit and delete of cases (``records.bulkedit``): owner, tags and status
    (through the allowed transitions); the team follows the queue."""
    from perno.cases import selectors, services
    from perno.cases.models import Case
    from perno.records.bulkedit import BulkType, register_bulk

    register_bulk(
        "case",
        BulkType(
            Case,
            selectors.case_list,
            services.case_update,
            services.case_delete,
            "case",
            statuses=tuple(Case.Status.values),
        ),
    )
