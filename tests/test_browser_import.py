"""The import wizard in a real Chromium at a phone's width (issue 20, point 1): upload a
small CSV with one duplicate and one bad row, map, preview, run, read the summary,
download the bad rows and undo; the page never scrolls sideways and breaks no CSP rule."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from perno.contacts.models import Contact
from perno.contacts.services import contact_create
from perno.imports.models import ImportJob
from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-9"
CSV = (
    "Nome;Cognome;Email;Indirizzo;Città\n"
    "Mario;Rossi;mario.rossi@example.com;Via Roma 1;Roma\n"
    "Anna;Bianchi;non-una-mail;Via Dante 2;Milano\n"
    "Luca;Verdi;luca.verdi@example.com;Corso Francia 3;Torino\n"
)
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth + 1"


@pytest.fixture(autouse=True)
def _import_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"


def test_import_contacts_on_a_phone_then_undo(browser, live_server, user, settings):
    existing = contact_create(
        actor=user,
        data={"first_name": "Luca", "last_name": "Verde", "email": "luca.verdi@example.com"},
    )
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    context.add_init_script(CSP_RECORDER)
    page = log_in(context, live_server, user, PASSWORD)
    page.on("dialog", lambda dialog: dialog.accept())  # the undo asks for confirmation

    # 1. The menu leads to the wizard; choose contacts and the file.
    page.get_by_role("button", name="Menu").click()
    # The menu has finished opening: while it slides open, a click on a link in it was
    # lost on a busy machine (the test server never got the request).
    expect(page.locator("#nav")).to_have_class(re.compile(r"\bshow\b"))
    expect(page.get_by_test_id("nav-import")).to_be_visible()
    page.get_by_test_id("nav-import").click()
    expect(page).to_have_url(re.compile(r"/imports/$"))
    expect(page.get_by_role("heading", name="Import data")).to_be_visible()
    page.get_by_label("What to import").select_option("contact")
    # A file over the upload limit is refused before it is sent, in words.
    limit = settings.PERNO_UPLOAD_MAX_BYTES
    file_input = page.locator("#id_file")
    file_input.evaluate("(input, size) => { input.dataset.maxBytes = String(size); }", 100)
    file_input.set_input_files({"name": "big.csv", "mimeType": "text/csv", "buffer": CSV.encode()})
    expect(page.get_by_test_id("file-size-error")).to_contain_text("the most an upload may be")
    page.get_by_role("button", name="Upload and map the columns").click()
    expect(page.get_by_test_id("file-size-error")).to_be_visible()
    assert not ImportJob.objects.exists()
    file_input.evaluate("(input, size) => { input.dataset.maxBytes = String(size); }", limit)
    file_input.set_input_files(
        {"name": "clienti.csv", "mimeType": "text/csv", "buffer": CSV.encode()}
    )
    page.get_by_role("button", name="Upload and map the columns").click()

    # 2. Mapping: the suggestions are chosen already.
    expect(page.get_by_role("heading", name="Map the columns: clienti.csv")).to_be_visible()
    expect(page.get_by_test_id("delimiter")).to_have_text("semicolon (;)")
    expect(page.get_by_label("Email")).to_have_value("email")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.get_by_role("button", name="Check the rows").click()

    # 3. Preview: the bad cell says why; the duplicate says which record and why.
    bad = page.get_by_test_id("bad-cell")
    expect(bad).to_have_count(1)
    expect(bad).to_contain_text("non-una-mail")
    expect(page.get_by_test_id("count-bad")).to_have_text("1 bad")
    duplicate = page.get_by_test_id("duplicate")
    expect(duplicate).to_contain_text("same e-mail")
    expect(duplicate.get_by_role("link")).to_have_attribute("href", f"/contacts/{existing.pk}/")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.get_by_label("Update the existing record").check()
    page.get_by_label("Import the good rows; download the bad ones afterwards").check()
    page.get_by_test_id("start-import").click()

    # 4. Summary (the task runs eagerly in the tests; the page polls while it runs).
    expect(page.get_by_test_id("summary-created")).to_have_text("1")
    expect(page.get_by_test_id("summary-updated")).to_have_text("1")
    expect(page.get_by_test_id("summary-failed")).to_have_text("1")
    with page.expect_download() as download:
        page.get_by_test_id("bad-rows").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";" if ";" in text else ","))
    assert "reason" in [h.lower() for h in rows[0]]
    assert "Anna" in rows[1]
    existing.refresh_from_db()
    assert existing.last_name == "Verdi"
    assert Contact.objects.filter(email="mario.rossi@example.com").exists()

    # 5. Undo: what was created goes, what was updated comes back.
    page.get_by_test_id("undo").click()
    expect(page.get_by_test_id("undo-removed")).to_have_text("1")
    expect(page.get_by_test_id("undo-restored")).to_have_text("1")
    existing.refresh_from_db()
    assert existing.last_name == "Verde"
    assert not Contact.objects.filter(email="mario.rossi@example.com").exists()
    assert ImportJob.objects.get().status == ImportJob.Status.UNDONE
    assert page.evaluate("window.__cspViolations") == []
    context.close()
