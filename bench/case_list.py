"""Benchmark of the case list at scale (issue 21, point 9; not a test).

Seeds N cases with COPY (PostgreSQL; executemany on SQLite) over three years, in 20
queues of 10 support teams (two queues each, five agents each), with a contact for most
of them (N/10 contacts from the shared seed generator). Cases of the last month are
mostly still open; older ones mostly closed. Then times, 200 times each, the first page
of the case list for an agent whose role (the shipped *support* role) has the *team*
scope on cases: ``cases.selectors.case_list(user=agent, filters=...)``, the selector the
list page and the API use, paged as the page pages it (25 rows, the count loaded
separately), the user and their rights loaded afresh each time as in a request. Prints
p50/p95 per list; the target is p95 <= 50 ms for the open cases at 1,000,000 cases on
PostgreSQL. Each engine runs in its own process; the PostgreSQL database (perno_bench,
or $PERNO_BENCH_PG_DB) is dropped at the end unless --keep.

    python bench/case_list.py --cases 100000          # a first look
    python bench/case_list.py                         # 1,000,000 cases on PostgreSQL
    python bench/case_list.py --keep                  # keep the data for --reuse
    python bench/case_list.py --reuse --keep          # measure again, no re-seeding
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import secrets
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from lists import PG_DB, percentile
from search_common import each_engine

TEAMS, QUEUES_PER_TEAM, AGENTS_PER_TEAM = 10, 2, 5
PAGE = 25
SUBJECTS = [
    "Fattura errata",
    "Consegna in ritardo",
    "Prodotto difettoso",
    "Richiesta di rimborso",
    "Accesso al portale",
    "Factură greșită",
    "Livrare întârziată",
    "Produs defect",
    "Cambio indirizzo di spedizione",
    "Password dimenticata",
]


def seed_cases(n: int, rng: random.Random) -> dict[str, Any]:
    """Teams, queues, agents, N/10 contacts and N cases; returns what was made."""
    from django.db import connection, transaction
    from django.utils import timezone

    from perno.accounts.models import Team
    from perno.accounts.services import user_create
    from perno.cases.models import Case, CaseCategory, CaseCounter, Queue, QueueMember
    from perno.contacts.models import Contact
    from perno.records.bulk import insert, reset_sequence
    from perno.seed.generator import seed

    teams = [Team.objects.create(name=f"Care {t}") for t in range(TEAMS)]
    agents: dict[int, list[int]] = {}
    for t, team in enumerate(teams):
        agents[team.pk] = [
            user_create(
                username=f"agent{t * AGENTS_PER_TEAM + a}",
                password=secrets.token_urlsafe(16),
                roles=["support"],
                team=team.name,
                check_password=False,
            ).pk
            for a in range(AGENTS_PER_TEAM)
        ]
    queues = []
    for team in teams:
        for q in range(QUEUES_PER_TEAM):
            queue = Queue.objects.create(name=f"{team.name} queue {q}", team=team)
            for user_id in agents[team.pk]:
                QueueMember.objects.create(queue=queue, user_id=user_id)
            queues.append((queue.pk, team.pk))
    categories = [CaseCategory.objects.create(name=f"Category {c}").pk for c in range(8)]
    started = time.perf_counter()
    seed(
        companies=max(1, n // 50),
        contacts=max(1, n // 10),
        deals=0,
        activities=0,
        seed_value=7,
        index=False,
    )
    contacts_seconds = time.perf_counter() - started
    first_contact = Contact.objects.order_by("pk").values_list("pk", flat=True).first() or 0
    last_contact = Contact.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    now = timezone.now()
    span = datetime.timedelta(days=3 * 365)
    start = now - span
    month_ago = now - datetime.timedelta(days=30)
    step = span / max(1, n)
    channels = ["email", "email", "email", "phone", "phone", "web", "portal", "chat", "social"]
    active = ["new", "open", "open", "waiting", "reopened"]

    def rows() -> Iterator[list[Any]]:
        rand = rng.random
        for i in range(n):
            created = start + step * i
            queue_id, team_id = queues[int(rand() * len(queues))]
            team_agents = agents[team_id]
            recent = created > month_ago
            if rand() < (0.6 if recent else 0.01):
                status = active[int(rand() * len(active))]
            else:
                status = "closed" if rand() < 0.9 else "resolved"
            assignee = None if status == "new" else team_agents[int(rand() * len(team_agents))]
            channel = channels[int(rand() * len(channels))]
            owner = None if channel == "email" else team_agents[int(rand() * len(team_agents))]
            answered = created + datetime.timedelta(minutes=30 + int(rand() * 600))
            resolved = created + datetime.timedelta(hours=2 + int(rand() * 90))
            done = status in ("resolved", "closed")
            contact = (
                first_contact + int(rand() * (last_contact - first_contact + 1))
                if first_contact and rand() < 0.9
                else None
            )
            yield [
                i + 1,
                i + 1,
                SUBJECTS[int(rand() * len(SUBJECTS))],
                "",
                contact,
                channel,
                categories[int(rand() * len(categories))],
                1 + int(rand() * 4),
                status,
                queue_id,
                assignee,
                owner,
                team_id,
                1,
                False,
                created,
                created,
                None if status == "new" else answered,
                resolved if done else None,
                resolved if status == "closed" else None,
                0,
            ]

    columns = [
        "id",
        "number",
        "subject",
        "description",
        "contact_id",
        "channel",
        "category_id",
        "priority",
        "status",
        "queue_id",
        "assignee_id",
        "owner_id",
        "team_id",
        "version",
        "is_confidential",
        "created_at",
        "updated_at",
        "first_response_at",
        "resolved_at",
        "closed_at",
        "sla_paused_minutes",
    ]
    started = time.perf_counter()
    with transaction.atomic():
        count = insert(Case, columns, rows(), plain=True)
        reset_sequence(Case)
        CaseCounter.objects.update_or_create(name="case", defaults={"value": n})
    cases_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        # What autovacuum does on a live system: statistics and the visibility map.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return {
        "cases": count,
        "contacts": last_contact - first_contact + 1 if first_contact else 0,
        "contacts_seconds": round(contacts_seconds, 1),
        "cases_seconds": round(cases_seconds, 1),
        "cases_per_second": round(count / cases_seconds) if cases_seconds else 0,
    }


def timed(call: Callable[[], Any], runs: int) -> dict[str, float]:
    for _ in range(5):
        call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return {"p50": round(statistics.median(samples), 2), "p95": round(percentile(samples, 95), 2)}


def child(args: argparse.Namespace) -> None:
    """Runs inside the engine's own process: seed, then measure."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from perno.accounts.models import User
    from perno.accounts.services import roles_ensure_defaults
    from perno.cases.models import Case, Queue
    from perno.cases.selectors import case_list
    from perno.core.pagination import paginate

    result: dict[str, Any] = {"engine": args.engine}
    if not args.reuse:
        call_command("migrate", verbosity=0)
        roles_ensure_defaults()
        result.update(seed_cases(args.cases, random.Random(5)))
    agent = User.objects.filter(username="agent0").first()
    assert agent is not None and agent.team_id is not None, "no seeded data: run without --reuse"
    team_id: int = agent.team_id
    queue = Queue.objects.filter(team_id=team_id).order_by("pk").first()
    assert queue is not None
    result["cases"] = Case.objects.count()
    result["visible"] = Case.objects.filter(team_id=team_id).count()
    result["visible_open"] = Case.objects.filter(team_id=team_id, status__in=Case.ACTIVE).count()

    def first_page(filters: dict[str, str], *, count: bool = False) -> Callable[[], Any]:
        def run() -> Any:
            user = User.objects.get(pk=agent.pk)  # a request loads its user and rights
            return paginate(case_list(user=user, filters=filters), 1, PAGE, with_count=count)

        return run

    lists = {
        "open cases, newest first (the target)": {"status": "active"},
        "open cases of one queue": {"status": "active", "queue": str(queue.pk)},
        "my open cases": {"status": "active", "assignee": str(agent.pk)},
        "every case, newest first": {},
        "open cases, most urgent first": {"status": "active", "sort": "-priority"},
    }
    timings = {name: timed(first_page(filters), args.runs) for name, filters in lists.items()}
    timings["open cases with the count (the API)"] = timed(
        first_page({"status": "active"}, count=True), args.runs
    )
    result["timings"] = timings
    if connection.vendor == "postgresql":
        sql, params = case_list(user=agent, filters={"status": "active"})[
            :PAGE
        ].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            result["plan"] = [row[0] for row in cursor.fetchall()]
    print(json.dumps(result))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--engines", default="postgres")
    parser.add_argument("--runs", type=int, default=200, help="measured runs per list")
    parser.add_argument("--reuse", action="store_true", help="measure the kept database again")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument("--plan", action="store_true", help="print the query plan")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0
    arguments = ["--cases", str(args.cases), "--runs", str(args.runs)]
    arguments += ["--reuse"] if args.reuse else []

    def announce(engine: str) -> list[str]:
        """The child's arguments, once the engine's heading is out."""
        print(f"== {engine}: {args.cases:,} cases …", flush=True)
        return arguments

    env = {
        "DJANGO_SETTINGS_MODULE": "perno.config.settings.prod",
        "PERNO_SECRET_KEY": secrets.token_urlsafe(40),
        "PERNO_ALLOWED_HOSTS": "testserver,127.0.0.1",
        "PERNO_LOG_LEVEL": "ERROR",
    }
    runs = each_engine(
        __file__,
        args.engines,
        "perno-cases",
        announce,
        keep=args.keep,
        reuse=args.reuse,
        env=env,
    )
    for engine, result in runs:
        if result is None:
            return 1
        if "cases_seconds" in result:
            print(
                f"   seeded {result['contacts']:,} contacts in {result['contacts_seconds']} s and "
                f"{result['cases']:,} cases in {result['cases_seconds']} s "
                f"({result['cases_per_second']:,} cases/s)"
            )
        print(
            f"   the agent's team scope covers {result['visible']:,} of {result['cases']:,} "
            f"cases, {result['visible_open']:,} of them open"
        )
        print(f"   {'first page (' + str(PAGE) + ' rows)':<44}{'p50 ms':>9}{'p95 ms':>9}")
        for name, timing in result["timings"].items():
            print(f"   {name:<44}{timing['p50']:>9}{timing['p95']:>9}")
        if args.plan and result.get("plan"):
            print("\n".join("   " + line for line in result["plan"]))
        if engine == "postgres" and not args.keep:
            print(f"   dropped the {PG_DB} database")
    return 0


if __name__ == "__main__":
    sys.exit(main())
