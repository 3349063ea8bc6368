from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from perno.accounts.models import Team, User
from perno.accounts.permissions import restrict


def user_list(*, user: Any) -> QuerySet[User]:
    return restrict(User.objects.filter(is_active=True), user, "view").order_by(
        "first_name", "last_name", "username"
    )


def team_list(*, user: Any) -> QuerySet[Team]:
    return restrict(Team.objects.all(), user, "view")


def users_handling_privacy() -> QuerySet[User]:
    """Active users whose roles handle personal data (or superusers): whom privacy
    deadlines are reminded to."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(roles__handle_privacy=True))
        .distinct()
        .order_by("pk")
    )
