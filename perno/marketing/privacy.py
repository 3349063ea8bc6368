from perno.core.privacy import DELETE, declare
from perno.marketing.models import (
    Answer,
    Invitation,
    Question,
    Response,
    Segment,
    SegmentMember,
    Survey,
)

declare(
    Survey,
    personal={},
    not_personal={"name", "title", "intro", "languages", "status"},
)
declare(Question, personal={}, not_personal={"kind", "audience", "role", "text", "choices"})
declare(
    Invitation,
    subject="the contact invited",
    personal={"contact": "profiling", "send_error": "profiling"},
    not_personal={"language", "audience", "nonce"},
    erasure=DELETE,
    retain_from="created_at",
    about=("contact",),
)
declare(
    Response,
    subject="the contact who answered",
    personal={
        "contact": "profiling",
        "language": "profiling",
        "audience": "profiling",
    },
    erasure=DELETE,
    retain_from="submitted_at",
    about=("contact",),
)
declare(
    Answer,
    subject="the contact who answered",
    personal={"value": "free_text"},
    erasure=DELETE,
    retained_with="response",
    about=("response__contact",),
)
declare(Segment, personal={}, not_personal={"name", "description", "kind", "criteria"})
declare(
    SegmentMember,
    subject="the contact on the list",
    personal={"contact": "profiling"},
    erasure=DELETE,
    retained_with="segment",
    about=("contact",),
)
