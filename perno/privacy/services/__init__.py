"""Every write of the privacy app: the register, notices, consent steps with their proof,
double opt-in, withdrawal, data sources and restrictions. Each runs in a transaction and
writes its audit entry in it.

One module per part: register (controller, purposes, retention rules, notices), consent,
links (double opt-in and one-click withdrawal) and restrictions (with data sources); the
names are re-exported here, so callers keep writing ``from perno.privacy import
services`` and ``services.consent_record(...)``."""

from perno.privacy.services.consent import consent_record
from perno.privacy.services.links import (
    OPTIN_SALT,
    UNSUBSCRIBE_SALT,
    LinkError,
    optin_hours,
    optin_token,
    signup_confirm,
    signup_start,
    unsubscribe,
    unsubscribe_token,
)
from perno.privacy.services.register import (
    CONTROLLER_FIELDS,
    PURPOSE_FIELDS,
    controller_get,
    controller_save,
    current_notice,
    notice_publish,
    purpose_save,
    retention_rule_save,
)
from perno.privacy.services.restrictions import (
    data_source_record,
    is_restricted,
    restriction_lift,
    restriction_start,
)

__all__ = [
    "CONTROLLER_FIELDS",
    "OPTIN_SALT",
    "PURPOSE_FIELDS",
    "UNSUBSCRIBE_SALT",
    "LinkError",
    "consent_record",
    "controller_get",
    "controller_save",
    "current_notice",
    "data_source_record",
    "is_restricted",
    "notice_publish",
    "optin_hours",
    "optin_token",
    "purpose_save",
    "restriction_lift",
    "restriction_start",
    "retention_rule_save",
    "signup_confirm",
    "signup_start",
    "unsubscribe",
    "unsubscribe_token",
]
