from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from perno.accounts.models import Team, User
from perno.accounts.permissions import restrict


def user_list(*, user: Any) -> QuerySet[User]:
    return restrict(User.objects.filter(is_active=True), user, "view").order_by(
        "first_name", "last_name", "username"
    )


def team_list(*, user: Any) -> QuerySet[Team]:
    return restrict(Team.objects.all(), user, "view")
