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
        "country": "address",  # where the user works: the region of the phones they type
        "preferences": "preferences",
        "security_stamp": "credentials",
    },
    erasure="anonymize",
    reason="records name their owner and author; the account is deactivated and its person data blanked",
    anonymized={"username": lambda user: f"erased-user-{user.pk}"},
    retain_from="date_joined",
)
declare(
    ApiToken,
    subject="its user",
    personal={"key_hash": "credentials", "name": "free_text"},
    not_personal={"prefix", "scope"},
    erasure="delete",
    retained_with="user",
)
declare(Team, personal={}, not_personal={"name", "country"})
declare(Role, personal={}, not_personal={"code", "name", "description", "rights"})
declare(ConfidentialField, personal={}, not_personal={"subject", "field"})
declare(
    ExportLog,
    subject="the user who exported",
    personal={"filters": "free_text"},
    not_personal={"subject", "format", "channel"},
    erasure="anonymize",
    reason="accountability: who exported how many rows stays recorded; the filter, which may name people, is blanked",
    retain_from="created_at",
)
declare(
    LoginAttempt,
    subject="whoever tried to log in (purged after PERNO_LOGIN_ATTEMPT_DAYS)",
    personal={"username": "identity", "ip_address": "network", "user_agent": "network"},
    erasure="delete",
    retain_from="created_at",
    about_note="log-in attempts concern users and strangers at the log-in page, not contacts",
)
declare(
    RecoveryCode,
    subject="its user",
    personal={"code_hash": "credentials"},
    erasure="delete",
    retained_with="user",
)
