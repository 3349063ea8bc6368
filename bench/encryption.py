"""Speed of encryption at rest (not a test).

Seeds N contacts (default 200,000), gives every one a tax code (a custom field) and half
of them a note, then measures:

- marking contact notes and the tax code sensitive: the background job that seals every
  stored value (and writes the keyed hashes for the tax codes), in rows per second;
- rotating to a new key: the same job re-encrypting every sealed value;
- reading 10,000 contacts with their sealed fields (decryption cost per row) against the
  same read before marking;
- the privacy look-up of one tax code among N, plain (a part of the custom field) and
  sealed (the keyed hash, indexed); the look-up also scans names and e-mail addresses.

    python bench/encryption.py                          # 200,000 contacts, SQLite and PostgreSQL
    python bench/encryption.py --contacts 1000000 --engines postgres
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lists import drop_database, reset_database
from search_common import run_child


def child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from perno.accounts.services import roles_ensure_defaults, user_create
    from perno.contacts.models import Contact, CustomFieldDefinition
    from perno.core import sealing
    from perno.privacy import keys, selectors
    from perno.privacy.models import KeyRotation
    from perno.seed.generator import seed

    out: dict[str, object] = {"engine": args.engine, "contacts": args.contacts}
    settings.PERNO_ENCRYPTION_KEYS = sealing.generate_key("bench1")
    call_command("migrate", verbosity=0)
    roles_ensure_defaults()
    admin = user_create(
        username="root",
        password="bench-password-2026",
        roles=["administrator"],
        check_password=False,
    )
    dpo = user_create(
        username="dpo", password="bench-password-2026", roles=["dpo"], check_password=False
    )
    seed(
        companies=args.contacts // 10,
        contacts=args.contacts,
        deals=0,
        activities=0,
        users=[admin],
        index=False,
    )
    CustomFieldDefinition.objects.create(
        entity="contact", key="tax_code", label="Tax code", field_type="text"
    )
    with connection.cursor() as cursor:
        # Half of the contacts have a note (the seeded contacts have none).
        cursor.execute(
            "UPDATE contacts_contact SET notes = 'Prefers calls after 3 pm; allergic to "
            "penicillin; contract ' || id WHERE id % 2 = 0"
        )
        if connection.vendor == "postgresql":
            cursor.execute(
                "UPDATE contacts_contact SET custom_fields = custom_fields || "
                "jsonb_build_object('tax_code', 'TC' || lpad(id::text, 14, '0'))"
            )
            cursor.execute("ANALYZE")
        else:
            cursor.execute(
                "UPDATE contacts_contact SET custom_fields = "
                "json_set(custom_fields, '$.tax_code', 'TC' || printf('%014d', id))"
            )
    out["with_notes"] = Contact.objects.exclude(notes="").count()

    def read_10k() -> float:
        ids = list(Contact.objects.order_by("pk").values_list("pk", flat=True)[:10_000])
        started = time.perf_counter()
        rows = list(Contact.objects.filter(pk__in=ids).only("pk", "notes", "custom_fields"))
        assert len(rows) == len(ids)
        return time.perf_counter() - started

    wanted = Contact.objects.order_by("-pk").values_list("pk", flat=True)[0]
    code = f"TC{wanted:014d}"

    def lookup_ms() -> float:
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            found = selectors.lookup(user=dpo, query=code)
            timings.append(time.perf_counter() - started)
        assert [c.pk for c in found["contacts"]] == [wanted], found
        return round(min(timings) * 1000, 1)

    out["lookup_tax_code_plain_ms"] = lookup_ms()
    read_10k()  # warm the caches
    out["read_10k_plain_s"] = round(min(read_10k() for _ in range(3)), 3)

    def timed_rotation(start: object) -> tuple[float, KeyRotation]:
        started = time.perf_counter()
        rotation = start()  # eager: the job runs when the transaction commits
        elapsed = time.perf_counter() - started
        assert isinstance(rotation, KeyRotation)
        rotation.refresh_from_db()
        assert rotation.status == "done", rotation.error
        return elapsed, rotation

    elapsed, rotation = timed_rotation(
        lambda: keys.marks_set(
            actor=admin, subject="contact", fields=["notes", "custom_fields.tax_code"]
        )
    )
    out["seal_s"] = round(elapsed, 1)
    out["seal_rewritten"] = rotation.counts
    out["seal_rows_per_s"] = round(rotation.done / elapsed)

    read_10k()
    out["read_10k_sealed_s"] = round(min(read_10k() for _ in range(3)), 3)

    settings.PERNO_ENCRYPTION_KEYS = (
        f"{sealing.generate_key('bench2')},{settings.PERNO_ENCRYPTION_KEYS}"
    )
    elapsed, rotation = timed_rotation(lambda: keys.start(actor=admin))
    out["rotate_s"] = round(elapsed, 1)
    out["rotate_rewritten"] = rotation.counts
    out["rotate_rows_per_s"] = round(rotation.done / elapsed)
    out["values_by_key"] = {k: dict(v) for k, v in keys.count_by_key().items() if v}

    if connection.vendor == "postgresql":
        # Both re-encryptions rewrote every row; autovacuum (off on this machine) would
        # reclaim the dead versions that a sequential scan of the table otherwise reads.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE contacts_contact")
    out["lookup_tax_code_ms"] = lookup_ms()
    print(json.dumps(out))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--engine", default="sqlite")
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0
    workdir = Path(os.environ.get("PERNO_BENCH_DIR", Path(tempfile.gettempdir()) / "perno-bench"))
    workdir.mkdir(parents=True, exist_ok=True)
    ok = True
    for engine in args.engines.split(","):
        reset_database(engine, workdir)
        result = run_child(__file__, engine, workdir, ["--contacts", str(args.contacts)])
        if engine == "postgres":
            drop_database()
        if result is None:
            ok = False
            continue
        print(f"\n{engine}: {result['contacts']:,} contacts, {result['with_notes']:,} with notes")
        print(
            f"  mark notes + tax code, seal every value: {result['seal_s']} s "
            f"({result['seal_rows_per_s']:,} rows/s) {result['seal_rewritten']}"
        )
        print(
            f"  rotate to a new key:                     {result['rotate_s']} s "
            f"({result['rotate_rows_per_s']:,} rows/s) {result['rotate_rewritten']}"
        )
        print(f"  values per key after rotation: {result['values_by_key']}")
        print(
            f"  read 10,000 contacts: plain {result['read_10k_plain_s']} s, "
            f"sealed {result['read_10k_sealed_s']} s"
        )
        print(
            f"  privacy look-up of one tax code: plain {result['lookup_tax_code_plain_ms']} ms "
            f"(part of the JSON), sealed {result['lookup_tax_code_ms']} ms (keyed hash)"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
