from perno.accounts.models import (
    ApiToken,
    ConfidentialField,
    ExportLog,
    LoginAttempt,
    RecoveryCode,
    Role,
    Team,
    User,
)
from perno.core.privacy import declare

declare(
    User,
    subject="the user (an employee)",
    personal={
        "username": "identity",
        "first_name": "identity",
        "last_name": "identity",
        "email": "contact",
        "password": "credentials",
        "language": "preferences",
        "preferences": "preferences",
        "security_stamp": "credentials",
    },
)
declare(
    ApiToken,
    subject="its user",
    personal={"key_hash": "credentials", "name": "free_text"},
    not_personal={"prefix", "scope"},
)
declare(Team, personal={}, not_personal={"name"})
declare(Role, personal={}, not_personal={"code", "name", "description", "rights"})
declare(ConfidentialField, personal={}, not_personal={"subject", "field"})
declare(
    ExportLog,
    subject="the user who exported",
    personal={"filters": "free_text"},
    not_personal={"subject", "format", "channel"},
)
declare(
    LoginAttempt,
    subject="whoever tried to log in (purged after PERNO_LOGIN_ATTEMPT_DAYS)",
    personal={"username": "identity", "ip_address": "network", "user_agent": "network"},
)
declare(RecoveryCode, subject="its user", personal={"code_hash": "credentials"})
