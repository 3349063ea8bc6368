"""Password strength: zxcvbn's estimate, with Italian and Romanian words and the user's
own data as dictionaries, and its feedback in the user's language.

zxcvbn (the maintained Python port of Dropbox's estimator) counts the guesses an attacker
who knows common passwords, words, names, dates, keyboard patterns, repeats and
sequences would need. Its English dictionaries are joined here by one of Italian and
Romanian words, names, places and football clubs (`password_words`), and, for each call,
by the user's names, user name, e-mail address and team.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from faker.providers.address.it_IT import Provider as ItalianAddress
from faker.providers.address.ro_RO import Provider as RomanianAddress
from faker.providers.lorem.it_IT import Provider as ItalianWords
from faker.providers.person.it_IT import Provider as ItalianNames
from faker.providers.person.ro_RO import Provider as RomanianNames
from zxcvbn import matching, zxcvbn

from perno.accounts.password_words import CURATED

# zxcvbn refuses longer input; a longer password is judged by its first 72 characters.
MAX_JUDGED_LENGTH = 72
# Names of the extra dictionaries in zxcvbn's matches.
LOCAL_WORDS = "perno_it_ro_words"
LOCAL_NAMES = "perno_it_ro_names"
USER_INPUTS = "user_inputs"
# Words about Perno itself, judged like the user's own data.
PRODUCT_WORDS = ("perno", "crm")
# Parts of a user's name or e-mail shorter than this are not worth a dictionary entry.
MIN_PART = 3
MAX_TEAM_LEVELS = 5


def _plain(text: str) -> str:
    """`text` without diacritics ("bucurești" -> "bucuresti")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def variants(values: Iterable[str]) -> list[str]:
    """Each value in lower case, with and without diacritics, whole, without spaces and
    hyphens, and word by word; in order, without repeats."""
    seen: dict[str, None] = {}
    for value in values:
        lowered = (value or "").strip().lower()
        if not lowered:
            continue
        parts = lowered.replace("-", " ").replace(".", " ").replace("_", " ").split()
        forms = [lowered, "".join(parts), *parts]
        for form in forms:
            for candidate in (form, _plain(form)):
                if len(candidate) >= MIN_PART:
                    seen.setdefault(candidate, None)
    return list(seen)


def _local_dictionaries() -> dict[str, list[str]]:
    words = variants(
        [
            *CURATED,
            *ItalianWords.word_list,
            *(name for _code, name in RomanianAddress.states),
            *ItalianAddress.states,
            *RomanianAddress.cities,
        ]
    )
    names = variants(
        [
            *ItalianNames.first_names,
            *RomanianNames.first_names,
            *ItalianNames.last_names,
            *RomanianNames.last_names,
        ]
    )
    return {LOCAL_WORDS: words, LOCAL_NAMES: names}


matching.add_frequency_lists(_local_dictionaries())

# zxcvbn keeps the current user's inputs in a module-level dictionary while it runs.
_estimator_lock = threading.Lock()

# zxcvbn's feedback (zxcvbn.feedback, in English) in the user's language. A test keeps
# this in step with every message zxcvbn can give.
FEEDBACK: dict[str, Promise] = {
    "Use a few words, avoid common phrases.": _("Use a few words, avoid common phrases."),
    "No need for symbols, digits, or uppercase letters.": _(
        "No need for symbols, digits, or uppercase letters."
    ),
    "Add another word or two. Uncommon words are better.": _(
        "Add another word or two. Uncommon words are better."
    ),
    "Straight rows of keys are easy to guess.": _("Straight rows of keys are easy to guess."),
    "Short keyboard patterns are easy to guess.": _("Short keyboard patterns are easy to guess."),
    "Use a longer keyboard pattern with more turns.": _(
        "Use a longer keyboard pattern with more turns."
    ),
    'Repeats like "aaa" are easy to guess.': _("Repeats like “aaa” are easy to guess."),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': _(
        "Repeats like “abcabcabc” are only slightly harder to guess than “abc”."
    ),
    "Avoid repeated words and characters.": _("Avoid repeated words and characters."),
    'Sequences like "abc" or "6543" are easy to guess.': _(
        "Sequences like “abc” or “6543” are easy to guess."
    ),
    "Avoid sequences.": _("Avoid sequences."),
    "Recent years are easy to guess.": _("Recent years are easy to guess."),
    "Avoid recent years.": _("Avoid recent years."),
    "Avoid years that are associated with you.": _("Avoid years that are associated with you."),
    "Dates are often easy to guess.": _("Dates are often easy to guess."),
    "Avoid dates and years that are associated with you.": _(
        "Avoid dates and years that are associated with you."
    ),
    "This is a top-10 common password.": _("This is one of the 10 most common passwords."),
    "This is a top-100 common password.": _("This is one of the 100 most common passwords."),
    "This is a very common password.": _("This is a very common password."),
    "This is similar to a commonly used password.": _(
        "This is similar to a commonly used password."
    ),
    "A word by itself is easy to guess.": _("A word by itself is easy to guess."),
    "Names and surnames by themselves are easy to guess.": _(
        "Names and surnames by themselves are easy to guess."
    ),
    "Common names and surnames are easy to guess.": _(
        "Common names and surnames are easy to guess."
    ),
    "Capitalization doesn't help very much.": _("Capital letters do not help very much."),
    "All-uppercase is almost as easy to guess as all-lowercase.": _(
        "All capitals are almost as easy to guess as all lower case."
    ),
    "Reversed words aren't much harder to guess.": _(
        "Words spelled backwards are not much harder to guess."
    ),
    "Predictable substitutions like '@' instead of 'a' don't help very much.": _(
        "Predictable substitutions like “@” instead of “a” do not help very much."
    ),
}

# Warnings for the matches zxcvbn has no words for: our dictionaries and the user's data.
LOCAL_WARNINGS: dict[str, Promise] = {
    LOCAL_WORDS: _(
        "Common Italian and Romanian words, places and football clubs are easy to guess."
    ),
    LOCAL_NAMES: _("Common names and surnames are easy to guess."),
    USER_INPUTS: _("Your own name, user name, e-mail address or team name is easy to guess."),
}


def translated(message: str) -> str:
    """zxcvbn's English `message` in the active language (as is if zxcvbn adds one)."""
    found = FEEDBACK.get(message)
    return str(found) if found is not None else message


def user_inputs(user: Any) -> list[str]:
    """The words of `user`'s own data an attacker would try first: names, user name,
    e-mail address (whole, its local part and its domain's parts) and team."""
    if user is None:
        return list(PRODUCT_WORDS)
    email = (getattr(user, "email", "") or "").strip()
    local, _at, domain = email.partition("@")
    values = [
        getattr(user, "username", "") or "",
        getattr(user, "first_name", "") or "",
        getattr(user, "last_name", "") or "",
        email,
        local,
        *domain.split(".")[:-1],
    ]
    team = getattr(user, "team", None)
    for _level in range(MAX_TEAM_LEVELS):  # the team and the teams above it
        if team is None:
            break
        values.append(team.name)
        team = team.parent
    return [*variants(values), *PRODUCT_WORDS]


def estimate(password: str, user: Any = None) -> dict[str, Any]:
    """zxcvbn's result for `password`, judged with `user`'s own data; its "feedback"
    holds the warning and the suggestions in the active language."""
    with _estimator_lock:
        result: dict[str, Any] = dict(
            zxcvbn(password[:MAX_JUDGED_LENGTH], user_inputs=user_inputs(user))
        )
    warning = result["feedback"]["warning"]
    shown = translated(warning) if warning else ""
    if not shown and result["sequence"] and result["score"] <= 2:  # zxcvbn's feedback too
        longest = max(result["sequence"], key=lambda match: len(match["token"]))
        local = LOCAL_WARNINGS.get(longest.get("dictionary_name", ""))
        shown = str(local) if local is not None else ""
    result["feedback"] = {
        "warning": shown,
        "suggestions": [translated(text) for text in result["feedback"]["suggestions"]],
    }
    return result
