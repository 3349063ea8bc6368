"""Shared by bench/search_eval.py and bench/search_speed.py: the corpus (seeded records
plus documents with generated Italian and Romanian text) and query generation with
realistic typos (not a test)."""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def run_child(
    script: str,
    engine: str,
    workdir: Any,
    arguments: list[str],
    env: dict[str, str] | None = None,
) -> dict | None:
    """Run ``script --child`` for one engine in its own process (its own database
    settings, with ``env`` over the development ones) and return the JSON it prints
    last, or None after printing its error."""
    from lists import engine_url

    root = Path(script).resolve().parent.parent
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "perno.config.settings.dev",
        "PERNO_DATA_DIR": str(workdir),
        "PERNO_DATABASE_URL": engine_url(engine, workdir),
        "PYTHONPATH": f"{root}:{root / 'bench'}",
        **(env or {}),
    }
    environment.pop("PERNO_REDIS_URL", None)
    command = [sys.executable, script, "--child", "--engine", engine, *arguments]
    out = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        print(out.stderr[-3000:], file=sys.stderr)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def seed_index_mix(entries: int) -> tuple[list[Any], float]:
    """A migrated database with 50 teams and 100 sales users (``rep0``...), then records
    for about ``entries`` index entries, not indexed: 40 % contacts, 10 % companies,
    15 % deals, 20 % activities, 10 % comments. Returns the users and the seconds the
    records took."""
    from django.core.management import call_command

    from perno.accounts.models import Team
    from perno.accounts.services import roles_ensure_defaults, user_create
    from perno.seed.generator import seed

    call_command("migrate", verbosity=0)
    roles_ensure_defaults()
    for t in range(50):
        Team.objects.create(name=f"Team {t}")
    users = [
        user_create(
            username=f"rep{i}",
            password="bench-password-2026",
            roles=["sales"],
            team=f"Team {i % 50}",
            check_password=False,
        )
        for i in range(100)
    ]
    started = time.perf_counter()
    seed(
        companies=entries // 10,
        contacts=entries * 4 // 10,
        deals=entries * 15 // 100,
        activities=entries // 5,
        comments=entries // 10,
        seed_value=3,
        users=users,
        index=False,
    )
    return users, time.perf_counter() - started


def engine_parser(doc: str, engines: str, default_engine: str) -> argparse.ArgumentParser:
    """A bench's options with the ones every engine-by-engine bench has: ``--engines``
    (which to run) and the hidden ``--child``/``--engine`` of the process per engine."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--engines", default=engines)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--engine", default=default_engine, help=argparse.SUPPRESS)
    return parser


def each_engine(
    script: str,
    engines: str,
    folder: str,
    arguments: Callable[[str], list[str]],
    *,
    keep: bool = False,
    reuse: bool = False,
    env: dict[str, str] | None = None,
) -> Iterator[tuple[str, dict | None]]:
    """(engine, result) for each of ``engines``: a fresh database (unless ``reuse``),
    ``script --child`` run in its own process with ``arguments(engine)`` (and ``env``,
    see ``run_child``), the PostgreSQL database dropped after it (unless ``keep``).
    Files go to ``$PERNO_BENCH_DIR``, else ``folder`` in the temporary directory."""
    from lists import drop_database, reset_database

    workdir = Path(os.environ.get("PERNO_BENCH_DIR", Path(tempfile.gettempdir()) / folder))
    workdir.mkdir(parents=True, exist_ok=True)
    for engine in engines.split(","):
        if not reuse:
            reset_database(engine, workdir)
        result = run_child(script, engine, workdir, arguments(engine), env)
        if engine == "postgres" and not keep:
            drop_database()
        yield engine, result


# Neighbouring keys on an Italian/Romanian QWERTY keyboard, for substitutions and
# insertions people actually make.
ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
NEIGHBOURS: dict[str, str] = {}
for r, row in enumerate(ROWS):
    for i, ch in enumerate(row):
        near = row[max(0, i - 1) : i] + row[i + 1 : i + 2]
        for other in (r - 1, r + 1):
            if 0 <= other < len(ROWS):
                near += ROWS[other][max(0, i - 1) : i + 1]
        NEIGHBOURS[ch] = near


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


TYPO_KINDS = ("substitution", "deletion", "insertion", "transposition")


def typo(word: str, rng: random.Random, kind: str) -> str:
    """One typo, never on the first letter (people rarely get that wrong)."""
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word) - (1 if kind == "transposition" else 0))
    ch = word[i].lower()
    if kind == "substitution":
        return word[:i] + rng.choice(NEIGHBOURS.get(ch, "aeiou")) + word[i + 1 :]
    if kind == "deletion":
        return word[:i] + word[i + 1 :]
    if kind == "insertion":
        return word[:i] + rng.choice(NEIGHBOURS.get(ch, "aeiou")) + word[i:]
    if word[i] == word[i + 1]:
        return typo(word, rng, "substitution")
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


@dataclass
class Case:
    kind: str
    object_id: int
    clean: str  # the words as stored
    typed: str  # what the user types, typos included
    typos: int
    relevant: set[tuple[str, int]] = field(default_factory=set)
    variations: list[str] = field(default_factory=list)


def make_query(words: list[str], typos: int, rng: random.Random) -> tuple[str, int, list[str]]:
    """Sometimes leave the last word partly typed, then apply ``typos`` typos to
    alphabetic words within each word's budget as typed (1 from 4 letters, 2 from 7), and
    sometimes drop the diacritics."""
    words = list(words)
    notes: list[str] = []
    if rng.random() < 0.4 and len(words[-1]) >= 5 and words[-1].isalpha():
        keep = max(4, int(len(words[-1]) * rng.uniform(0.7, 0.9)))
        words[-1] = words[-1][:keep]
        notes.append("partly typed")
    applied = 0
    if typos == 2:
        long = [i for i, w in enumerate(words) if len(w) >= 7 and w.isalpha()]
        if long:
            i = rng.choice(long)
            original = words[i]
            for _ in range(2):
                kind = rng.choice(TYPO_KINDS)
                words[i] = typo(words[i], rng, kind)
                notes.append(kind)
                if len(words[i]) < 7:  # as typed it must still allow two typos
                    words[i] = typo(original, rng, "transposition")
                    words[i] = typo(words[i], rng, "substitution")
            applied = 2 if words[i] != original else 0
    if applied < typos:
        eligible = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
        rng.shuffle(eligible)
        for i in eligible[: typos - applied]:
            kind = rng.choice(TYPO_KINDS)
            changed = typo(words[i], rng, kind)
            if len(changed) < 4:  # as typed it must still allow a typo
                kind = "substitution"
                changed = typo(words[i], rng, kind)
            words[i] = changed
            notes.append(kind)
            applied += 1
    if rng.random() < 0.3:
        words = [strip_accents(w) for w in words]
        notes.append("no diacritics")
    return " ".join(words), applied, notes


def build_documents(count: int, seed: int, actor: Any) -> int:
    """Attach ``count`` text documents (generated Italian and Romanian prose, a few
    paragraphs each) to companies and extract them like uploads."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from faker import Faker

    from perno.activities.services import comment_create
    from perno.contacts.models import Company

    fakers = [Faker("it_IT"), Faker("ro_RO")]
    for fake in fakers:
        fake.seed_instance(seed)
    companies = list(Company.objects.order_by("pk").values_list("pk", flat=True)[: count * 3])
    rng = random.Random(seed)
    made = 0
    for n in range(count):
        fake = fakers[n % 2]
        company = Company.objects.get(pk=rng.choice(companies))
        paragraphs = [
            f"{fake.catch_phrase()} {fake.city()} {fake.name()} {fake.company()}"
            if hasattr(fake, "catch_phrase")
            else fake.sentence()
            for _ in range(2)
        ] + [fake.paragraph(nb_sentences=8) for _ in range(rng.randint(2, 6))]
        text = "\n\n".join(paragraphs)
        comment_create(
            actor=actor,
            target=company,
            body="documento",
            files=[SimpleUploadedFile(f"doc-{n}.txt", text.encode())],
        )
        made += 1
    return made


AMBIGUOUS = 10


def is_ambiguous(clean: str, kind: str, relevant: set[tuple[str, int]]) -> bool:
    """A known-item query must name its target: when the words typed without any typo
    match more than AMBIGUOUS other records (of any type: a lone common surname is also
    a company name; two common words), no ranking can tell which one was meant, and
    the case is skipped."""
    from perno.search import engine

    # All types, as the user searches; every word whole (the trailing space), and with a
    # page of one no typo match is counted when one record matches exactly (the target).
    found = engine.search(_superuser(), clean + " ", limit=1)
    return (found.total or 0) - len(relevant) > AMBIGUOUS


def _superuser() -> Any:
    from perno.accounts.models import User

    user = User.objects.filter(is_superuser=True).first()
    if user is None:
        user = User.objects.create_superuser("bench-root", "root@example.com", None)
    return user


def sample_cases(count: int, seed: int, *, judged: bool = True) -> list[Case]:
    """Targets from the index: names and titles (records) and two neighbouring words of
    a document or comment; each with its typo'd query and (``judged``) its relevant set
    (the speed benchmark only needs the queries)."""
    from perno.search.models import SearchEntry
    from perno.search.text import fold, words

    rng = random.Random(seed)
    weights = {
        "contact": 0.35,
        "company": 0.2,
        "deal": 0.15,
        "lead": 0.05,
        "document": 0.2,
        "activity": 0.05,
    }
    ids: dict[str, list[int]] = {
        kind: list(SearchEntry.objects.filter(kind=kind).values_list("pk", flat=True))
        for kind in weights
    }
    cases: list[Case] = []
    kinds = [k for k in weights if ids[k]]
    while len(cases) < count:
        kind = rng.choices(kinds, weights=[weights[k] for k in kinds])[0]
        entry = SearchEntry.objects.get(pk=rng.choice(ids[kind]))
        if not judged and kind != "document":
            picked = [w for w in entry.title.split() if w.isalnum() and len(w) >= 2][:3]
            if picked:
                wanted = rng.choices([0, 1, 2], weights=[0.4, 0.35, 0.25])[0]
                typed, typos, notes = make_query(picked, wanted, rng)
                cases.append(Case(kind, entry.object_id, " ".join(picked), typed, typos))
            continue
        if kind == "document":
            tokens = [w for w in entry.body.split() if len(w.strip(".,;:!?")) >= 5]
            if len(tokens) < 2:
                continue
            start = rng.randrange(len(tokens) - 1)
            picked = [t.strip(".,;:!?()\"'") for t in tokens[start : start + 2]]
            if not all(w.isalpha() for w in picked):
                continue
            clean = " ".join(picked)
            needle = " ".join(words(clean))
            same = SearchEntry.objects.filter(kind="document")
            relevant = (
                {
                    ("document", oid)
                    for oid, body in same.values_list("object_id", "body")
                    if needle in " ".join(words(body))
                }
                if judged
                else set()
            )
        else:
            picked = [w for w in entry.title.split() if w.isalnum() and len(w) >= 2][:3]
            if not picked:
                continue
            clean = " ".join(picked)
            folded = fold(entry.title)
            relevant = {
                (kind, oid)
                for oid, title in SearchEntry.objects.filter(
                    kind=kind, title__iexact=entry.title
                ).values_list("object_id", "title")
                if fold(title) == folded
            }
        relevant.add((kind, entry.object_id))
        if judged and is_ambiguous(clean, kind, relevant):
            continue
        wanted = rng.choices([0, 1, 2], weights=[0.4, 0.35, 0.25])[0]
        typed, typos, notes = make_query(picked, wanted, rng)
        cases.append(Case(kind, entry.object_id, clean, typed, typos, relevant, notes))
    return cases
