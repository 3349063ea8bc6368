"""Answers with personal data are never kept by a browser or a proxy: Cache-Control."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders

from perno.web.tests.test_pages import concrete, ui_routes

pytestmark = pytest.mark.django_db


def test_every_page_for_a_logged_in_user_says_no_store(client, admin_user, login_verified):
    login_verified(client, admin_user)
    checked = 0
    for route, name in ui_routes():
        if name in {"logout", "logout_everywhere"}:
            continue
        response = client.get(concrete(route))
        assert response["Cache-Control"] == "no-store", (route, response.status_code)
        checked += 1
    assert checked > 50
    # Answers to forms and htmx fragments too.
    posted = client.post("/companies/new/", {"name": ""})
    assert posted["Cache-Control"] == "no-store"
    fragment = client.get("/companies/?q=x", headers={"HX-Request": "true"})
    assert fragment["Cache-Control"] == "no-store"


def test_every_api_answer_says_no_store(api, client, user):
    for path in ("/api/v1/contacts", "/api/v1/companies", "/api/v1/deals", "/api/v1/me"):
        response = api.get(path)
        assert response["Cache-Control"] == "no-store", (path, response.status_code)
    assert api.get("/api/v1/contacts/999999999")["Cache-Control"] == "no-store"  # 404
    assert api.post("/api/v1/contacts", {})["Cache-Control"] == "no-store"  # 400
    client.logout()
    assert client.get("/api/v1/contacts")["Cache-Control"] == "no-store"  # 401


def test_the_log_in_page_says_no_store_and_static_files_keep_their_caching(client):
    assert "no-store" in client.get("/login/")["Cache-Control"]  # never_cache, as Django has it
    assert finders.find("perno/perno.css")
    static = client.get("/static/perno/perno.css")
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "")
