from perno.analytics.models import AnalyticsSettings, CustomerScore, Snapshot
from perno.core.privacy import DELETE, declare

declare(AnalyticsSettings, personal={})
declare(
    Snapshot, personal={}, not_personal={"as_of", "currency", "step", "error", "results", "status"}
)
declare(
    CustomerScore,
    subject="the customer it scores, when a person",
    personal={
        "contact": "profiling",
        "rfm_segment": "profiling",
        "history": "profiling",
        "matrix": "profiling",
        "journey": "profiling",
        "first_order": "profiling",
        "last_order": "profiling",
    },
    erasure=DELETE,
    retained_with="snapshot",
    about=("contact",),
)
