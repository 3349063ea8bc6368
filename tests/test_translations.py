"""The Italian and Romanian catalogues are complete: every translatable string in the
code and templates has a translation, none is fuzzy, and the compiled .mo files match."""

import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "perno" / "locale"
LANGUAGES = ["it", "ro"]


def load(path: Path, code: str):
    with path.open("rb") as handle:
        return read_po(handle, locale=code)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """Run makemessages over a copy of the current source into a copy of the catalogues.

    makemessages writes work files next to the templates it reads, so it runs on a
    private copy of the tree: two test workers extracting at once must not collide, and
    the working tree is never written to.
    """
    target = tmp_path_factory.mktemp("locale")
    shutil.copytree(LOCALE, target, dirs_exist_ok=True)
    source = tmp_path_factory.mktemp("source") / "perno"
    shutil.copytree(
        ROOT / "perno",
        source,
        ignore=shutil.ignore_patterns("static", "tests", "locale", "__pycache__", "*.pyc"),
    )
    env = {
        **os.environ,
        "PERNO_LOCALE_DIR": str(target),
        "DJANGO_SETTINGS_MODULE": "perno.config.settings.test",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            *[f"-l{code}" for code in LANGUAGES],
            "--no-obsolete",
            "--no-location",
        ],
        cwd=source,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"
    return target


@pytest.mark.parametrize("code", LANGUAGES)
def test_catalogue_covers_every_string_without_fuzzy_entries(extracted, code):
    catalog = load(extracted / code / "LC_MESSAGES" / "django.po", code)
    untranslated = [
        m.id
        for m in catalog
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [], (
        f"{code}: untranslated strings; run `make messages` and translate them in the .po file"
    )
    assert fuzzy == [], f"{code}: fuzzy entries; check them in the .po file and clear the flag"
    committed = {m.id for m in load(LOCALE / code / "LC_MESSAGES" / "django.po", code) if m.id}
    assert {m.id for m in catalog if m.id} == committed, (
        "the committed catalogue is stale: run `make messages`"
    )


@pytest.mark.parametrize("code", LANGUAGES)
def test_compiled_catalogue_matches_the_source(code):
    po = load(LOCALE / code / "LC_MESSAGES" / "django.po", code)
    with (LOCALE / code / "LC_MESSAGES" / "django.mo").open("rb") as handle:
        mo = gettext.GNUTranslations(handle)
    for message in po:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            assert mo.ngettext(message.id[0], message.id[1], 1) == message.string[0]
        else:
            assert mo.gettext(message.id) == message.string, message.id
