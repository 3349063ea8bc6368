"""The calendar in a real Chromium (Debian's /usr/bin/chromium) driven by Playwright:
drag to reschedule (month and day views), a stale version reloads with a clear message,
the keyboard's "Move" form, and the month on a phone's width."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
from playwright.sync_api import expect

from perno.activities.services import activity_create, activity_update
from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-9"
ROME = zoneinfo.ZoneInfo("Europe/Rome")


def rome(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=ROME)


@pytest.fixture
def page(browser, live_server, user):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    yield log_in(context, live_server, user, PASSWORD)
    context.close()


def test_drag_an_entry_to_another_day_and_a_stale_version_reloads_with_a_message(page, user):
    demo = activity_create(
        actor=user,
        data={"kind": "meeting", "subject": "Demo Rossi", "due_at": rome(2030, 7, 10, 15, 30)},
    )
    assert demo.pk > 10_000
    page.goto("/calendar/?date=2030-07-10")
    entry = page.get_by_test_id(f"entry-{demo.pk}")
    expect(entry).to_have_class(re.compile("cal-kind-meeting"))
    entry.drag_to(page.get_by_test_id("day-2030-07-12"))
    expect(page.get_by_test_id("calendar-status")).to_contain_text("moved to")
    expect(page.get_by_test_id("day-2030-07-12").get_by_test_id(f"entry-{demo.pk}")).to_be_visible()
    demo.refresh_from_db()
    assert demo.due_at == rome(2030, 7, 12, 15, 30) and demo.version == 2
    # Someone changes it meanwhile: the next drag is refused, the page reloads and says why.
    activity_update(
        actor=user, activity=demo, data={"subject": "Demo Rossi (2)"}, expected_version=2
    )
    page.get_by_test_id(f"entry-{demo.pk}").drag_to(page.get_by_test_id("day-2030-07-16"))
    expect(page.locator("main .alert-warning")).to_contain_text("Someone else changed")
    expect(page.get_by_test_id("day-2030-07-12")).to_contain_text("Demo Rossi (2)")
    demo.refresh_from_db()
    assert demo.due_at == rome(2030, 7, 12, 15, 30) and demo.version == 3


def test_drag_to_an_hour_in_the_day_view_keeps_the_minutes(page, user):
    call = activity_create(
        actor=user,
        data={"kind": "call", "subject": "Chiamata", "due_at": rome(2030, 7, 10, 15, 45)},
    )
    page.goto("/calendar/?view=day&date=2030-07-10")
    page.get_by_test_id(f"entry-{call.pk}").drag_to(page.get_by_test_id("hour-9"))
    expect(page.get_by_test_id("calendar-status")).to_contain_text("moved to")
    expect(page.get_by_test_id("hour-9").get_by_test_id(f"entry-{call.pk}")).to_contain_text(
        "09:45"
    )
    call.refresh_from_db()
    assert call.due_at == rome(2030, 7, 10, 9, 45)


def test_move_with_the_keyboard_through_the_move_form(page, user):
    task = activity_create(
        actor=user, data={"subject": "Preventivo", "due_at": rome(2030, 7, 10, 11)}
    )
    page.goto("/calendar/?view=week&date=2030-07-10")
    summary = page.get_by_test_id(f"entry-{task.pk}").locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    field = page.get_by_label("Move to").first
    expect(field).to_be_visible()
    field.fill("2030-07-11T08:15")
    field.press("Enter")
    expect(page.locator("main .alert-success")).to_contain_text("moved to")
    expect(page.get_by_test_id("day-2030-07-11")).to_contain_text("Preventivo")
    task.refresh_from_db()
    assert task.due_at == rome(2030, 7, 11, 8, 15)


def test_the_month_fits_a_phone(browser, live_server, user):
    for day in (1, 10, 31):
        activity_create(
            actor=user,
            data={
                "kind": "meeting",
                "subject": f"Incontro con un cliente importante {day}",
                "due_at": rome(2030, 7, day, 9),
            },
        )
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    page = log_in(context, live_server, user, PASSWORD)
    page.goto("/calendar/?date=2030-07-10")
    expect(page.get_by_test_id("day-2030-07-31")).to_contain_text("Incontro")
    expect(page.get_by_test_id("day-2030-07-02")).to_be_hidden()  # an empty day
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_test_id("calendar-next").click()
    expect(page.get_by_test_id("calendar-title")).to_contain_text("August 2030")
    context.close()
