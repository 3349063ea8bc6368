from perno.core.privacy import declare
from perno.sla.models import BusinessCalendar, SlaPolicy

# Configuration: when the company works and how fast it answers. No personal data (the
# names of closed days are company holidays, not people).
declare(
    BusinessCalendar,
    personal={},
    not_personal={
        "name",
        "time_zone",
        "country",
        "subdivision",
        "hours",
        "closed_days",
        "open_days",
    },
)
declare(SlaPolicy, personal={}, not_personal={"name"})
