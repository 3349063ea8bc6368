from perno.accounts.models import ApiToken, Role, Team, User
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
    },
)
declare(
    ApiToken,
    subject="its user",
    personal={"key_hash": "credentials", "name": "free_text"},
    not_personal={"prefix"},
)
declare(Team, personal={}, not_personal={"name"})
declare(Role, personal={}, not_personal={"code", "name"})
