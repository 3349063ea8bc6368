from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class NoPersonalDataValidator:
    """Refuse a password that contains the user's name, user name or e-mail address
    (case-insensitive; parts shorter than 3 letters are ignored)."""

    def validate(self, password: str, user: Any = None) -> None:
        if user is None:
            return
        lowered = password.lower()
        email = (getattr(user, "email", "") or "").lower()
        parts = [
            getattr(user, "username", "") or "",
            getattr(user, "first_name", "") or "",
            getattr(user, "last_name", "") or "",
            email,
            email.split("@")[0],
        ]
        for part in parts:
            part = part.strip().lower()
            if len(part) >= 3 and part in lowered:
                raise ValidationError(
                    _("The password must not contain your name, user name or e-mail address."),
                    code="password_has_personal_data",
                )

    def get_help_text(self) -> str:
        return _("Your password must not contain your name, user name or e-mail address.")
