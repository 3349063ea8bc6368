"""Password strength: zxcvbn's estimate with Italian and Romanian words and the user's own
data, its feedback in the user's language, and every place a password is set."""

from __future__ import annotations

import ast
import inspect
import io
import sys

import pytest
import zxcvbn.feedback
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext
from zxcvbn import matching, scoring

from perno import cli
from perno.accounts.models import Team, User
from perno.accounts.passwords import FEEDBACK, LOCAL_NAMES, LOCAL_WORDS, USER_INPUTS, estimate
from perno.accounts.services import token_create, user_create
from perno.seed.demo import DEMO_PASSWORD, DEMO_USERS

pytestmark = pytest.mark.django_db

OBVIOUS = [
    ("123456789012", "This is similar to a commonly used password."),
    (" " * 12, "Repeats like “aaa” are easy to guess."),
    ("aaaaaaaaaaaa", "Repeats like “aaa” are easy to guess."),
]


def refusal(password: str, user: User | None = None) -> list[str]:
    with pytest.raises(ValidationError) as info:
        validate_password(password, user)
    return info.value.messages


@pytest.mark.parametrize(("password", "warning"), OBVIOUS)
def test_obvious_passwords_are_refused_with_why_and_how_to_do_better(user, password, warning):
    messages = refusal(password, user)
    assert messages[0] == "This password is too easy to guess."
    assert warning in messages
    assert "Add another word or two. Uncommon words are better." in messages


def guesses_without_local_words(password: str) -> float:
    english_only = {
        name: ranked
        for name, ranked in matching.RANKED_DICTIONARIES.items()
        if name not in (LOCAL_WORDS, LOCAL_NAMES, USER_INPUTS)
    }
    found = matching.omnimatch(password, english_only)
    return scoring.most_guessable_match_sequence(password, found)["guesses"]


@pytest.mark.parametrize(
    "password", ["Forzajuve1897", "Nerazzurri1908", "Dragoste2019!", "Stelistii1986"]
)
def test_italian_and_romanian_words_make_a_password_guessable(password):
    # zxcvbn's English dictionaries alone let these through...
    assert guesses_without_local_words(password) >= 10**8
    # ...Perno's Italian and Romanian ones do not, and say why.
    result = estimate(password)
    assert result["score"] < 3
    assert "Common Italian and Romanian words" in result["feedback"]["warning"]
    assert "Common Italian and Romanian words" in " ".join(refusal(password))


def test_italian_and_romanian_names_and_places_are_in_the_dictionaries():
    for word in ("bucuresti", "bucurești", "juventus", "steaua", "milano", "amore", "iubire"):
        assert word in matching.RANKED_DICTIONARIES[LOCAL_WORDS], word
    for name in ("giulia", "alessandro", "popescu", "ionescu", "andreea"):
        assert name in matching.RANKED_DICTIONARIES[LOCAL_NAMES], name


def test_the_users_own_data_makes_a_password_guessable(make_user):
    owner = make_user(
        "andrei",
        team="Vânzări Timiș",
        first_name="Andrei",
        last_name="Popescu",
        email="andrei@tractoare-galbene.ro",
    )
    other = make_user("maria", team="Vendite Sud", email="maria@example.com")
    for password in ("TractoareGalbene!", "Vanzaritimis2024"):
        validate_password(password, other)  # strong for someone else
        messages = refusal(password, owner)
        assert "Your own name, user name, e-mail address or team name is easy to guess." in (
            messages
        )
    # A team above the user's counts too.
    owner.team.parent = Team.objects.create(name="Rulmenti Oltenia")
    owner.team.save()
    owner.refresh_from_db()
    validate_password("Rulmentioltenia!", other)
    assert "This password is too easy to guess." in refusal("Rulmentioltenia!", owner)


@pytest.mark.parametrize("language", ["it", "ro"])
def test_the_feedback_is_in_the_users_language(user, language):
    with translation.override(language):
        messages = refusal("aaaaaaaaaaaa", user)
        assert messages[:2] == [
            gettext("This password is too easy to guess."),
            gettext("Repeats like “aaa” are easy to guess."),
        ]
        assert gettext("Avoid repeated words and characters.") in messages


def test_every_message_zxcvbn_can_give_is_translatable():
    tree = ast.parse(inspect.getsource(zxcvbn.feedback))
    messages = {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "_"
        and isinstance(node.args[0], ast.Constant)
    }
    assert len(messages) > 20
    assert messages == set(FEEDBACK)


def test_long_passwords_are_judged_without_error(user):
    validate_password("una frase lunga e piuttosto strana " * 10, user)


def test_the_demo_and_test_passwords_pass_the_policy(user):
    for username, first, last, _role, team in DEMO_USERS:
        demo = User(
            username=username, first_name=first, last_name=last, email=f"{username}@perno.example"
        )
        if team:
            demo.team = Team(name=team)
        validate_password(DEMO_PASSWORD, demo)
    assert user.check_password("correct-horse-battery-9")  # the conftest users' password


def test_creating_a_user_refuses_and_stores_nothing(roles):
    with pytest.raises(ValidationError) as info:
        user_create(username="nuovo", password="123456789012", team="Squadra nuova")
    assert "This password is too easy to guess." in info.value.message_dict["password"]
    assert not User.objects.filter(username="nuovo").exists()
    assert not Team.objects.filter(name="Squadra nuova").exists()


def test_the_api_refuses_with_its_error_format(client, admin_user):
    _token, clear = token_create(user=admin_user, name="admin", scope="write")
    response = client.post(
        "/api/v1/users",
        {
            "username": "nuovo",
            "email": "nuovo@example.com",
            "roles": ["sales"],
            "password": " " * 12,
        },
        content_type="application/json",
        headers={"Authorization": f"Bearer {clear}"},
    )
    assert response.status_code == 400
    assert "Repeats like “aaa” are easy to guess." in response.json()["errors"]["password"]
    assert not User.objects.filter(username="nuovo").exists()


def test_the_settings_page_refuses_a_new_users_password(client, admin_user, login_verified):
    login_verified(client, admin_user)
    response = client.post(
        "/settings/users/new/",
        {
            "username": "nuovo",
            "email": "nuovo@example.com",
            "roles": [admin_user.roles.first().pk],
            "is_active": "on",
            "password": "aaaaaaaaaaaa",
        },
    )
    assert response.status_code == 400
    assert "Repeats like “aaa” are easy to guess." in response.content.decode()
    assert not User.objects.filter(username="nuovo").exists()


def test_changing_ones_password_refuses(client_user, user):
    response = client_user.post(
        "/account/password/",
        {
            "old_password": "correct-horse-battery-9",
            "new_password1": "123456789012",
            "new_password2": "123456789012",
        },
    )
    assert response.status_code == 200
    assert "This password is too easy to guess." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("correct-horse-battery-9")


def test_resetting_a_password_refuses(client, user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    page = client.get(
        f"/password/reset/{uid}/{default_token_generator.make_token(user)}/", follow=True
    )
    response = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "123456789012", "new_password2": "123456789012"},
    )
    assert response.status_code == 200
    assert "This password is too easy to guess." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("correct-horse-battery-9")


def test_the_command_line_refuses(monkeypatch, capsys, roles, tmp_path):
    monkeypatch.setattr(sys, "stdin", io.StringIO("aaaaaaaaaaaa\n"))
    code = cli.main(["user", "create", "maria", "--password-stdin", "--data-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1
    assert "password: This password is too easy to guess." in err
    assert "Repeats like “aaa” are easy to guess." in err
    assert not User.objects.filter(username="maria").exists()
