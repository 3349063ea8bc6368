from perno.audit.models import ChangeEntry
from perno.core.privacy import declare

declare(
    ChangeEntry,
    subject="the record's subject and the acting user",
    personal={"object_repr": "identity", "changes": "free_text"},
    not_personal={"action"},
)
