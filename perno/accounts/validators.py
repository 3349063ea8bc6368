from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from perno.accounts.passwords import estimate

# zxcvbn's scores: 0 (too guessable) to 4 (very unguessable). 3 stands for about 10^8
# guesses or more: safe from an online attack, and slow to find offline behind Argon2.
DEFAULT_MIN_SCORE = 3


class PasswordStrengthValidator:
    """Refuse a password an attacker would guess soon, by zxcvbn's estimate: common
    passwords, words and names (English, Italian and Romanian), the user's own data,
    dates, keyboard patterns, repeats and sequences. The message says why and how to do
    better, in the user's language."""

    def __init__(self, min_score: int = DEFAULT_MIN_SCORE) -> None:
        self.min_score = min_score

    def validate(self, password: str, user: Any = None) -> None:
        result = estimate(password, user)
        if result["score"] >= self.min_score:
            return
        feedback = result["feedback"]
        messages = [_("This password is too easy to guess.")]
        if feedback["warning"]:
            messages.append(feedback["warning"])
        messages.extend(feedback["suggestions"])
        if len(messages) == 1:
            messages.append(_("Add another word or two. Uncommon words are better."))
        raise ValidationError(
            [ValidationError(message, code="password_too_guessable") for message in messages]
        )

    def get_help_text(self) -> str:
        return _(
            "Your password must be hard to guess: a few uncommon words make a good one. "
            "Common passwords, words, names, dates, keyboard patterns, repeated characters "
            "and your own data are refused."
        )


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
