"""`make messages`: extract the translatable strings into perno/locale/{it,ro}, compile
the catalogues and list every entry that is still missing or fuzzy.

The .po files are the only source of translations: fill in what this lists with a PO
editor (Poedit, Lokalize, ...) or a text editor, then run it again.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

SOURCE = Path(__file__).resolve().parent.parent / "perno"
LOCALE = SOURCE / "locale"
LANGUAGES = ["it", "ro"]
# makemessages stamps every run; a catalogue whose entries did not change keeps its date.
STAMP = re.compile(rb'^"POT-Creation-Date: [^"]*"\n', re.MULTILINE)


def django(*args: str) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "perno.config.settings.test",
        "PERNO_LOCALE_DIR": str(LOCALE),
    }
    command = [sys.executable, "-m", "django", *args]
    subprocess.run(command, cwd=SOURCE, env=env, check=True)  # noqa: S603 - fixed argv, no shell


def main() -> int:
    paths = {code: LOCALE / code / "LC_MESSAGES" / "django.po" for code in LANGUAGES}
    before = {code: path.read_bytes() for code, path in paths.items()}
    django(
        "makemessages",
        *[f"-l{code}" for code in LANGUAGES],
        "--no-obsolete",
        "--no-location",
        "--no-wrap",
        "--ignore=static/*",
    )
    for code, path in paths.items():
        if STAMP.sub(b"", path.read_bytes()) == STAMP.sub(b"", before[code]):
            path.write_bytes(before[code])
    django("compilemessages")

    gaps = 0
    for code, path in paths.items():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=code)
        for message in catalog:
            if not message.id:
                continue
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            problem = "fuzzy" if message.fuzzy else None if all(forms) else "missing"
            if problem:
                msgid = message.id[0] if isinstance(message.id, tuple) else message.id
                print(f"{path.relative_to(SOURCE.parent)}: {problem}: {msgid!r}", file=sys.stderr)
                gaps += 1
    if gaps:
        print(f"{gaps} entries to translate in the .po files above.", file=sys.stderr)
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main())
