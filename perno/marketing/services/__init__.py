"""Every write to surveys, their questions, invitations and responses, and to segments.

One module per step: surveys (and their questions), invitations (the personal links),
answers, results (NPS and CSAT) and segments; the names are re-exported here, so
callers keep writing ``from perno.marketing import services`` and
``services.survey_create(...)``."""

from perno.marketing.services.answers import MAX_TEXT, questions_for, response_submit
from perno.marketing.services.invitations import (
    TOKEN_SALT,
    InviteResult,
    LinkError,
    invitation_from_token,
    invitations_create,
    link_token,
    send_invitation,
)
from perno.marketing.services.results import FIGURES, GROUPS, nps_csat, nps_csat_by
from perno.marketing.services.segments import (
    SEGMENT_FIELDS,
    segment_create,
    segment_delete,
    segment_export,
    segment_members_change,
    segment_update,
)
from perno.marketing.services.surveys import (
    QUESTION_FIELDS,
    ROLE_KINDS,
    SURVEY_FIELDS,
    publish_problems,
    question_delete,
    question_save,
    survey_create,
    survey_delete,
    survey_from_template,
    survey_set_status,
    survey_update,
)

__all__ = [
    "FIGURES",
    "GROUPS",
    "MAX_TEXT",
    "QUESTION_FIELDS",
    "ROLE_KINDS",
    "SEGMENT_FIELDS",
    "SURVEY_FIELDS",
    "TOKEN_SALT",
    "InviteResult",
    "LinkError",
    "invitation_from_token",
    "invitations_create",
    "link_token",
    "nps_csat",
    "nps_csat_by",
    "publish_problems",
    "question_delete",
    "question_save",
    "questions_for",
    "response_submit",
    "segment_create",
    "segment_delete",
    "segment_export",
    "segment_members_change",
    "segment_update",
    "send_invitation",
    "survey_create",
    "survey_delete",
    "survey_from_template",
    "survey_set_status",
    "survey_update",
]
