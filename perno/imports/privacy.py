"""Personal data in imports.

- ``ImportJob``: the uploaded file's name, its parsed table (a JSON file under
  ``PERNO_DATA_DIR/imports/``, ``table_path``) and the CSV of the rows it refused
  (``errors_path``). The table is deleted as soon as the import has run (an upload
  never started, after a day); the refused rows stay for the user to download and
  fix until the undo deadline (30 days), when the retention job
  (``imports.retention.purge_expired``) deletes the file, the undo data and a job
  never started. Erasing a person removes the values kept to undo an import about
  them (``ImportChange`` rows of their contact; of a lead, within the hour after it is
  deleted). The refused rows are the uploader's own file, kept for them to fix for 30
  days; a row refused because its person was erased keeps none of their cells.
- ``ImportChange``: a record's values before an import updated it, kept for the undo;
  deleted with the job's undo data after 30 days, with its contact, and within the
  hour after another record it is about (a lead) is deleted.
- ``ImportMapping``: column names and formats, no personal data.

Every import and every undo appends one audit-trail entry (counts only)."""

from perno.core.privacy import declare
from perno.imports.models import ImportChange, ImportJob, ImportMapping

declare(
    ImportJob,
    subject="the people listed in the imported file",
    personal={
        "file_name": "file",
        "table_path": "file",
        "errors_path": "file",
        "message": "free_text",
    },
    not_personal={
        "entity",
        "file_hash",
        "file_format",
        "encoding",
        "delimiter",
        "headers",
        "mapping",
        "formats",
        "options",
        "decisions",
        "status",
        "created_ids",
    },
    erasure="delete",
    retain_from="created_at",
    about_note=(
        "imports of files naming the contact: the values kept to undo them are erased "
        "with the contact (ImportChange); stored tables are deleted once the import has "
        "run, refused rows after 30 days"
    ),
)
declare(
    ImportChange,
    subject="the person whose record an import updated",
    personal={"before": "identity"},
    not_personal={"kind"},
    erasure="delete",
    retained_with="job",
    about=("contact",),
)
declare(
    ImportMapping,
    subject="none (column names and formats)",
    personal={},
    not_personal={"name", "columns", "formats", "entity"},
)
