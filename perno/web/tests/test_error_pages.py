"""The 400, 403, CSRF failure, 404 and 500 pages: styled, in the user's language, with a
way back and nothing of the error shown; the API keeps its JSON format."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from perno.config import urls
from perno.web import errors
from perno.web.tests.error_urls import SECRET

pytestmark = [pytest.mark.django_db, pytest.mark.urls("perno.web.tests.error_urls")]

SKIP_LINK = {"it": "Vai al contenuto", "ro": "Salt la conținut"}


def test_the_url_conf_names_the_styled_handlers(settings):
    assert urls.handler400 == "perno.web.errors.bad_request"
    assert urls.handler403 == "perno.web.errors.permission_denied"
    assert urls.handler404 == "perno.web.errors.page_not_found"
    assert urls.handler500 == "perno.web.errors.server_error"
    assert settings.CSRF_FAILURE_VIEW == "perno.web.errors.csrf_failure"


def browser(language: str, **kwargs) -> Client:
    client = Client(raise_request_exception=False, **kwargs)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def assert_error_page(response, status: int, language: str, message) -> str:
    body = response.content.decode()
    assert response.status_code == status
    assert 'data-testid="error-page"' in body
    assert f'<html lang="{language}">' in body
    assert SKIP_LINK[language] in body  # the site's layout, in the user's language
    with translation.override(language):
        assert str(message) in body
        assert str(errors.TITLES[status]) in body
    assert (
        'data-testid="error-home" href="/"' in body or 'href="/" data-testid="error-home"' in body
    )
    assert SECRET not in body and "Traceback" not in body and "/fail/" not in body
    return body


@pytest.mark.parametrize("language", ["it", "ro"])
def test_each_error_page_in_the_users_language(settings, language):
    settings.DEBUG = False
    client = browser(language)
    assert_error_page(client.get("/fail/400/"), 400, language, errors.MESSAGES[400])
    assert_error_page(client.get("/fail/403/"), 403, language, errors.MESSAGES[403])
    assert_error_page(client.get("/no/such/page/"), 404, language, errors.MESSAGES[404])
    assert_error_page(client.get("/fail/500/"), 500, language, errors.MESSAGES[500])
    csrf = browser(language, enforce_csrf_checks=True).post(
        "/login/", {"username": "x", "password": "y"}
    )
    assert_error_page(csrf, 403, language, errors.CSRF_MESSAGE)


def test_the_500_page_shows_no_menu_or_user_and_the_404_page_does(settings, user):
    settings.DEBUG = False
    client = browser("it")
    client.force_login(user)
    failed = assert_error_page(client.get("/fail/500/"), 500, "it", errors.MESSAGES[500])
    assert "navbar" not in failed and user.username not in failed
    missing = assert_error_page(client.get("/no/such/page/"), 404, "it", errors.MESSAGES[404])
    assert "navbar" in missing and user.username in missing  # a way on, as on any page
    assert "no-store" in client.get("/no/such/page/")["Cache-Control"]


def test_the_api_keeps_its_json_error_format(settings, api):
    settings.DEBUG = False
    missing = api.get("/api/v1/no/such/operation")
    assert missing.status_code == 404
    assert set(missing.json()) == {"message", "errors"} and missing.json()["errors"] == {}
    record = api.get("/api/v1/contacts/999999999")  # the API's own 404, for comparison
    assert record.status_code == 404 and set(record.json()) == set(missing.json())
    client = Client(raise_request_exception=False)
    failed = client.get("/api/v1/fail/500/")
    assert failed.status_code == 500 and failed["Content-Type"] == "application/json"
    assert set(failed.json()) == {"message", "errors"} and SECRET not in failed.content.decode()
