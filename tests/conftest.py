"""Fixtures shared by the browser tests: one Chromium per test worker.

Playwright's sync API runs its own event loop in the thread that starts it, so a worker
may hold only one ``sync_playwright()`` at a time: every browser test module uses this
session-scoped browser instead of starting its own."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

from conftest import require

CHROMIUM = os.environ.get("PERNO_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    require(
        Path(CHROMIUM).exists(),
        f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)",
    )
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


def log_in(context: Any, live_server: Any, user: Any, password: str) -> Any:
    """A new page of ``context``, logged in as ``user`` through the log-in form."""
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page
