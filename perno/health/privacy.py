"""The health snapshots hold counts, shares and scores over every record: no personal
data (the activities per colleague are shown on the page, never stored). They are kept as the score's history (one per day), so no retention rule
applies to them."""

from perno.core.privacy import declare
from perno.health.models import HealthSnapshot

declare(
    HealthSnapshot,
    personal={},
    not_personal={"day", "taken_at", "score", "figures", "seconds", "mailed_at"},
)
