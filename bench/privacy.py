"""Speed of the privacy jobs at scale (not a test).

Seeds N contacts (default 1,000,000) with companies, deals and activities into
PostgreSQL, builds the search index, then adds one person with 10,000 related rows
(activities, comments and comment attachments with their files) and makes 100,000 other
contacts ten years old. Measures:

- the access/portability archive of that person (every row and file, JSON + CSV +
  summary, zipped): target <= 2 s;
- the erasure of that person (rows deleted or anonymized, search index, files, change
  history, tombstone): target <= 2 s;
- the retention job over the 100,000 expired contacts (with everything about them):
  target <= 60 s; and its dry run.

    python bench/privacy.py                       # 1,000,000 contacts, PostgreSQL
    python bench/privacy.py --contacts 100000     # a quick look
    python bench/privacy.py --engines sqlite,postgres
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

TARGETS = {"export_s": 2.0, "erasure_s": 2.0, "retention_s": 60.0}
RELATED = {"activities": 5000, "comments": 4000, "attachments": 1000}


def child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from datetime import timedelta

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from perno.accounts.models import Team
    from perno.accounts.services import roles_ensure_defaults, user_create
    from perno.activities.models import Activity, Attachment, Comment
    from perno.contacts.models import Contact
    from perno.contacts.services import contact_create
    from perno.privacy import archive, retention
    from perno.privacy.erasure import erase_contact
    from perno.records.bulk import insert, next_id, reset_sequence
    from perno.search.indexer import rebuild
    from perno.seed.generator import seed

    out: dict[str, object] = {"engine": args.engine, "contacts": args.contacts}
    call_command("migrate", verbosity=0)
    roles_ensure_defaults()
    for t in range(10):
        Team.objects.create(name=f"Team {t}")
    users = [
        user_create(
            username=f"rep{i}",
            password="bench-password-2026",
            roles=["sales"],
            team=f"Team {i % 10}",
            check_password=False,
        )
        for i in range(20)
    ]
    dpo = user_create(
        username="dpo", password="bench-password-2026", roles=["dpo"], check_password=False
    )
    started = time.perf_counter()
    seed(
        companies=args.contacts // 10,
        contacts=args.contacts,
        deals=args.contacts // 10,
        activities=args.contacts // 5,
        comments=args.contacts // 20,
        users=users,
        index=False,
    )
    out["seed_s"] = round(time.perf_counter() - started, 1)

    # The person, with 10,000 related rows.
    owner = users[0]
    person = contact_create(
        actor=owner,
        data={
            "first_name": "Ada",
            "last_name": "Benchmark",
            "email": "ada.benchmark@example.com",
            "phone": "+390612345678",
            "notes": "The person of the privacy benchmark.",
        },
    )
    now = timezone.now()
    first = next_id(Activity)
    insert(
        Activity,
        [
            "id",
            "kind",
            "subject",
            "description",
            "priority",
            "status",
            "contact_id",
            "owner_id",
            "team_id",
            "created_at",
            "updated_at",
            "version",
            "is_confidential",
        ],
        (
            [
                first + i,
                "call",
                f"Call {i} with Ada Benchmark",
                f"Talked about order {i}.",
                2,
                "done",
                person.pk,
                owner.pk,
                owner.team_id,
                now,
                now,
                1,
                False,
            ]
            for i in range(RELATED["activities"])
        ),
    )
    reset_sequence(Activity)
    first_comment = next_id(Comment)
    insert(
        Comment,
        ["id", "body", "author_id", "contact_id", "created_at", "updated_at"],
        (
            [first_comment + i, f"Note {i} about Ada Benchmark.", owner.pk, person.pk, now, now]
            for i in range(RELATED["comments"])
        ),
    )
    reset_sequence(Comment)
    first_attachment = next_id(Attachment)
    rows = []
    for i in range(RELATED["attachments"]):
        name = default_storage.save(
            f"attachments/bench/ada-{i}.txt", ContentFile(f"Document {i} of Ada Benchmark\n" * 20)
        )
        rows.append(
            [
                first_attachment + i,
                first_comment + i,
                name,
                f"ada-{i}.txt",
                "text/plain",
                620,
                "0" * 64,
                owner.pk,
                now,
                now,
            ]
        )
    insert(
        Attachment,
        [
            "id",
            "comment_id",
            "file",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_by_id",
            "created_at",
            "updated_at",
        ],
        rows,
    )
    reset_sequence(Attachment)
    out["related_rows"] = sum(RELATED.values())

    # 100,000 contacts (not the person) untouched for eleven years.
    old = now - timedelta(days=11 * 365)
    expired = min(args.expired, args.contacts)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE contacts_contact SET updated_at = %s WHERE id IN "
            "(SELECT id FROM contacts_contact WHERE id <> %s ORDER BY id LIMIT %s)",
            [old, person.pk, expired],
        )
    out["expired_contacts"] = expired

    started = time.perf_counter()
    rebuild()
    out["index_rebuild_s"] = round(time.perf_counter() - started, 1)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    person = Contact.objects.get(pk=person.pk)
    started = time.perf_counter()
    path, size, _digest = archive.build(contact=person)
    out["export_s"] = round(time.perf_counter() - started, 2)
    out["export_mb"] = round(size / 1e6, 1)
    path.unlink()

    started = time.perf_counter()
    counts = erase_contact(actor=dpo, contact=person)
    out["erasure_s"] = round(time.perf_counter() - started, 2)
    out["erased_rows"] = sum(counts.values())
    assert not Contact.objects.filter(pk=person.pk).exists()

    started = time.perf_counter()
    dry = retention.run(dry_run=True)
    out["retention_dry_run_s"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    run = retention.run(dry_run=False)
    out["retention_s"] = round(time.perf_counter() - started, 1)
    items = {item["table"]: item for item in run.counts["items"]}
    out["retention_contacts"] = items.get("contacts.contact", {}).get("count", 0)
    out["retention_rows"] = sum(sum(item.get("done", {}).values()) for item in run.counts["items"])
    out["retention_error"] = run.error
    out["dry_run_total"] = dry.total
    print(json.dumps(out))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--expired", type=int, default=100_000)
    parser.add_argument("--engines", default="postgres")
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--engine", default="postgres")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0
    workdir = Path(os.environ.get("PERNO_BENCH_DIR", Path(tempfile.gettempdir()) / "perno-bench"))
    workdir.mkdir(parents=True, exist_ok=True)
    ok = True
    for engine in args.engines.split(","):
        reset_database(engine, workdir)
        result = run_child(
            __file__,
            engine,
            workdir,
            ["--contacts", str(args.contacts), "--expired", str(args.expired)],
        )
        if engine == "postgres" and not args.keep:
            drop_database()
        if result is None:
            ok = False
            continue
        print(
            f"\n{engine}: {result['contacts']:,} contacts (seeded in {result['seed_s']} s, "
            f"index rebuilt in {result['index_rebuild_s']} s)"
        )
        print(f"  one person with {result['related_rows']:,} related rows and files:")
        print(
            f"    access archive  {result['export_s']:>7} s  ({result['export_mb']} MB)"
            f"   target <= {TARGETS['export_s']} s"
        )
        print(
            f"    erasure         {result['erasure_s']:>7} s  ({result['erased_rows']:,} rows)"
            f"   target <= {TARGETS['erasure_s']} s"
        )
        print(f"  retention of {result['expired_contacts']:,} expired contacts:")
        print(
            f"    dry run         {result['retention_dry_run_s']:>7} s  "
            f"({result['dry_run_total']:,} rows past retention)"
        )
        print(
            f"    run             {result['retention_s']:>7} s  "
            f"({result['retention_contacts']:,} contacts, {result['retention_rows']:,} rows)"
            f"   target <= {TARGETS['retention_s']} s"
        )
        if result["retention_error"]:
            print(f"    error: {result['retention_error']}")
        for key, target in TARGETS.items():
            ok &= float(result[key]) <= target  # type: ignore[arg-type]
        print(json.dumps(result))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
