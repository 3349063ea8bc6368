"""Speed and threading of the mail import (issue 21, point 9, first half; not a test).

Starts dovecot as the tests do (``perno/mail/tests/dovecot.py``: its own port, mail
directory and TLS certificate) and APPENDs a generated corpus of N messages (default
10,000) into one folder: conversations of 1 to 8 messages between customers and a
support desk (whose answers are sent from Perno or a mail program, so only some reach
the mailbox, in Cc), many with a small attachment (text, CSV, PDF or PNG), some in HTML;
replies carry References and In-Reply-To, some only one of them, and a few arrive
before the message they answer. Then, per engine and in its own process, a support
mailbox reads that folder with the real poller (``perno.mail.polling.poll_mailbox``,
over IMAP with STARTTLS, one transaction per message: a case opened per conversation in
its queue, contacts matched, attachments stored and read for the search, everything
indexed and audited), and prints messages/s (target >= 50) and how many messages were
not placed in their generated thread (must be 0). ``--purpose sales``: a mailbox that
opens no cases.

When ``bench/case_list.py`` is there, it runs next (``--case-list``, on by default), so
one command prints both halves of point 9 (``--cases`` is passed on to it).

    python bench/mail.py                               # both engines, 10,000 messages
    python bench/mail.py --engines sqlite --messages 1000 --no-case-list
    python bench/mail.py --profile                     # cProfile the import (to a file)
    PERNO_BENCH_PG_DB=b3 python bench/mail.py          # another PostgreSQL database
"""

from __future__ import annotations

import argparse
import base64
import collections
import contextlib
import cProfile
import datetime
import json
import os
import pstats
import random
import subprocess
import sys
import time
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from search_common import each_engine, engine_parser

TARGET = 50  # messages per second
SUPPORT = "assistenza@perno.bench"
SUBJECTS = [
    "Ordine non arrivato",
    "Fattura errata",
    "Richiesta di reso",
    "Prodotto difettoso",
    "Cambio indirizzo",
    "Comandă întârziată",
    "Factură greșită",
    "Retur produs",
    "Garanzia scaduta?",
    "Accesso al portale",
]
LINES = [
    "Buongiorno, vi scrivo per il mio ordine.",
    "Il pacco non è ancora arrivato e il tracking non si aggiorna.",
    "Bună ziua, vă rog să verificați factura atașată.",
    "Allego la fattura e una foto del prodotto.",
    "Grazie per la risposta rapida.",
    "Mulțumesc, aștept vești de la dumneavoastră.",
    "Potete richiamarmi domani mattina?",
    "Il numero d'ordine è indicato nell'oggetto.",
]
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def tiny_pdf(text: str) -> bytes:
    """A valid one-page PDF with ``text`` on it (its text is read for the search)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def attachment(rng: random.Random, n: int) -> tuple[str, bytes, str]:
    kind = rng.choice(["txt", "csv", "pdf", "png"])
    if kind == "txt":
        body = "\n".join(rng.choice(LINES) for _ in range(rng.randint(20, 80)))
        return f"nota-{n}.txt", body.encode(), "text/plain"
    if kind == "csv":
        rows = "\n".join(
            f"{i};articolo {rng.randint(1, 999)};{rng.randint(1, 9)}" for i in range(60)
        )
        return f"ordine-{n}.csv", ("riga;descrizione;quantita\n" + rows).encode(), "text/csv"
    if kind == "pdf":
        return f"fattura-{n}.pdf", tiny_pdf(f"Fattura numero {n} del cliente"), "application/pdf"
    return f"foto-{n}.png", PNG, "image/png"


def corpus(total: int, seed: int) -> tuple[list[bytes], dict[str, int]]:
    """The messages in APPEND order, and each one's thread in the corpus (by
    Message-ID). Conversations alternate customer and support desk; the desk's answers
    go out from Perno or a mail program, so the mailbox holds only some of them (a copy
    in Cc, 15 %), while the customers' replies name them: In-Reply-To and References
    (80 %), only In-Reply-To when its parent is in the mailbox (15 %), only References
    (5 %)."""
    rng = random.Random(seed)
    now = time.time()
    threads: list[list[tuple[str, bytes]]] = []
    thread_of: dict[str, int] = {}
    made = 0
    while made < total:
        size = rng.randint(1, 8)
        number = len(threads)
        customer = f"cliente{rng.randrange(4000)}@example.{rng.choice(['it', 'ro', 'com'])}"
        subject = f"{rng.choice(SUBJECTS)} #{number}"
        start = now - rng.uniform(600, 36_000)  # within the last ten hours
        chain: list[str] = []
        present: set[str] = set()
        messages: list[tuple[str, bytes]] = []
        for position in range(size):
            if made >= total:
                break
            ours = position % 2 == 1  # the support desk answers every other message
            message = EmailMessage()
            message["From"] = SUPPORT if ours else customer
            message["To"] = customer if ours else SUPPORT
            message["Subject"] = subject if position == 0 else f"Re: {subject}"
            message["Date"] = format_datetime(
                datetime.datetime.fromtimestamp(start + position * 300).astimezone()
            )
            message_id = f"bench-{seed}-{number}-{position}@example.com"
            message["Message-ID"] = f"<{message_id}>"
            if chain:
                style = rng.random()
                if style < 0.80 or (style < 0.95 and chain[-1] not in present):
                    message["In-Reply-To"] = f"<{chain[-1]}>"
                    message["References"] = " ".join(f"<{r}>" for r in chain)
                elif style < 0.95:
                    message["In-Reply-To"] = f"<{chain[-1]}>"
                else:
                    message["References"] = " ".join(f"<{r}>" for r in chain)
            text = "\n".join(rng.choice(LINES) for _ in range(rng.randint(2, 8)))
            message.set_content(text)
            if rng.random() < 0.3:
                message.add_alternative(f"<p>{text.replace(chr(10), '<br>')}</p>", subtype="html")
            if rng.random() < 0.45:
                name, data, mime = attachment(rng, made)
                main, sub = mime.split("/")
                message.add_attachment(data, maintype=main, subtype=sub, filename=name)
            chain.append(message_id)
            if ours and rng.random() >= 0.15:
                continue  # sent, not in the mailbox
            present.add(message_id)
            thread_of[message_id] = number
            messages.append((message_id, message.as_bytes()))
            made += 1
        threads.append(messages)
    order = [m for thread in threads for m in thread]
    # A few replies arrive before the message they answer.
    for i in range(1, len(order)):
        a, b = order[i - 1][0], order[i][0]
        if thread_of[a] == thread_of[b] and rng.random() < 0.03:
            order[i - 1], order[i] = order[i], order[i - 1]
    return [raw for _id, raw in order], thread_of


def misplaced(thread_of: dict[str, int], stored: dict[str, int]) -> int:
    """Messages not in the thread their corpus thread ended up in (or missing), plus
    messages of another corpus thread sharing it."""
    groups: dict[int, list[int | None]] = {}
    for message_id, corpus_thread in thread_of.items():
        groups.setdefault(corpus_thread, []).append(stored.get(message_id))
    wrong = 0
    owner: dict[int, int] = {}
    for corpus_thread, found in groups.items():
        present = [t for t in found if t is not None]
        best = max(set(present), key=present.count) if present else None
        wrong += len(found) - (present.count(best) if best is not None else 0)
        if best is not None:
            if best in owner:
                wrong += present.count(best)  # two corpus threads in one conversation
            owner[best] = corpus_thread
    return wrong


def child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse

    settings.DEBUG = False  # as in production: no query log

    from perno.accounts.models import Team
    from perno.accounts.services import roles_ensure_defaults, user_create
    from perno.cases import config as case_config
    from perno.cases.models import Case
    from perno.contacts.models import Contact
    from perno.mail import services
    from perno.mail.models import MailAttachment, Mailbox, MailMessage
    from perno.mail.polling import poll_mailbox
    from perno.search.models import SearchEntry

    call_command("migrate", verbosity=0)
    roles_ensure_defaults()
    team = Team.objects.create(name="Assistenza")
    admin = user_create(
        username="bench-admin",
        password="bench-password-2026",
        roles=["administrator"],
        check_password=False,
    )
    agents = [
        user_create(
            username=f"agent{i}",
            password="bench-password-2026",
            roles=["support"],
            team=team.name,
            check_password=False,
        )
        for i in range(5)
    ]
    queue = case_config.queue_create(
        actor=admin,
        data={"name": "Assistenza clienti", "team": team, "assignment": "round_robin"},
        members=[(agent, True) for agent in agents],
    )
    Contact.objects.bulk_create(
        [
            Contact(
                first_name="Cliente", last_name=str(i), email=f"cliente{i}@example.it", team=team
            )
            for i in range(0, 4000, 2)
        ]
    )
    box = services.mailbox_create(
        actor=admin,
        data={
            "name": "Assistenza",
            "kind": "shared",
            "address": SUPPORT,
            "purpose": args.purpose,
            "queue": queue if args.purpose == "support" else None,
            "team": team,
            "imap_host": "127.0.0.1",
            "imap_port": int(args.port),
            "imap_security": "starttls",
            "imap_username": args.user,
            "imap_folder": args.folder,
            "smtp_host": "127.0.0.1",
            "smtp_port": 25,
            "smtp_security": "none",
        },
        imap_password=args.password,
    )
    # A running worker has its URL configuration loaded (search entries link to the
    # records): load it before the clock starts.
    reverse("contacts:contact_detail", args=[1])
    profiler = cProfile.Profile() if args.profile else None
    statements: collections.Counter[str] = collections.Counter()

    def tally(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        statements[" ".join(sql.split())[:110]] += 1
        return execute(sql, params, many, context)

    with contextlib.ExitStack() as stack:
        if profiler:
            stack.enter_context(connection.execute_wrapper(tally))
            profiler.enable()
        started = time.perf_counter()
        polls = errors = 0
        while True:
            Mailbox.objects.filter(pk=box.pk).update(next_attempt_at=None)
            result = poll_mailbox(box.pk)
            polls += 1
            if result.error:
                errors += 1
                if errors > 3:
                    break
                continue
            if not result.more:
                break
        seconds = time.perf_counter() - started
    if profiler:
        profiler.disable()
        path = Path(os.environ["PERNO_DATA_DIR"]) / f"mail-profile-{args.engine}.txt"
        imported = max(MailMessage.objects.filter(mailbox=box).count(), 1)
        with path.open("w") as out:
            # The statements sent per imported message, the most frequent first.
            total = sum(statements.values())
            out.write(f"{total / imported:.1f} statements per message\n")
            for sql, count in statements.most_common(40):
                out.write(f"{count / imported:8.2f}  {sql}\n")
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("cumulative").print_stats(80)
            stats.sort_stats("tottime").print_stats(50)
    stored = dict(MailMessage.objects.filter(mailbox=box).values_list("message_id", "thread_id"))
    thread_of = json.loads(Path(args.corpus).read_text())
    print(
        json.dumps(
            {
                "engine": args.engine,
                "messages": MailMessage.objects.filter(mailbox=box).count(),
                "seconds": seconds,
                "polls": polls,
                "errors": errors,
                "last_error": " ".join(
                    Mailbox.objects.values_list("last_error", "last_error_detail").get(pk=box.pk)
                ),
                "attachments": MailAttachment.objects.count(),
                "attachments_with_text": MailAttachment.objects.exclude(text="").count(),
                "cases": Case.objects.filter(merged_into__isnull=True).count(),
                "merged_cases": Case.objects.filter(merged_into__isnull=False).count(),
                "threads": len(set(stored.values())),
                "corpus_threads": len(set(thread_of.values())),
                "misplaced": misplaced(thread_of, stored),
                "entries": SearchEntry.objects.filter(kind__in=["mail", "mailfile"]).count(),
            }
        )
    )


def report(result: dict, expected: int) -> None:
    engine, count, seconds = result["engine"], int(result["messages"]), float(result["seconds"])
    rate = count / seconds if seconds else 0.0
    verdict = "meets" if rate >= TARGET else "below"
    print(
        f"{engine}: {count:,} of {expected:,} messages imported in {seconds:.1f} s: "
        f"{rate:,.1f} messages/s ({verdict} the target of {TARGET}); "
        f"{result['attachments']:,} attachments ({result['attachments_with_text']:,} with text), "
        f"{result['cases']:,} cases (and {result['merged_cases']:,} merged into them: the "
        "cases of replies that came before their parent), "
        f"{result['threads']:,} threads for "
        f"{result['corpus_threads']:,} in the corpus, {result['entries']:,} search entries, "
        f"{result['polls']} polls"
    )
    print(f"{engine}: misplaced messages: {result['misplaced']} (must be 0)")
    if result["errors"]:
        print(
            f"{engine}: the poller reported {result['errors']} failure(s): {result['last_error']}"
        )


def main() -> int:
    parser = engine_parser(__doc__, "sqlite,postgres", "sqlite")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument(
        "--case-list",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="then run bench/case_list.py (the other half of point 9)",
    )
    parser.add_argument("--cases", type=int, help="cases for bench/case_list.py")
    parser.add_argument("--profile", action="store_true", help="cProfile the import (to a file)")
    parser.add_argument(
        "--purpose",
        choices=["support", "sales"],
        default="support",
        help="a support mailbox opens a case per conversation; a sales one opens none",
    )
    for name in ("--port", "--user", "--password", "--folder", "--corpus"):
        parser.add_argument(name, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0
    from perno.mail.tests.dovecot import USERS, Dovecot, available

    if not available():
        print("dovecot is missing (Debian's dovecot-imapd): no mail benchmark", file=sys.stderr)
        return 1
    # Mailbox passwords are sealed: a key for the bench's databases.
    os.environ.setdefault(
        "PERNO_ENCRYPTION_KEYS", "bench1:" + base64.urlsafe_b64encode(os.urandom(32)).decode()
    )
    server = Dovecot()
    try:
        server.start()
        started = time.perf_counter()
        messages, thread_of = corpus(args.messages, args.seed)
        folder = "Bench"
        server.create_folder(folder, user="bench")
        server.append_many(messages, user="bench", folder=folder)
        print(
            f"corpus: {len(messages):,} messages in {len(set(thread_of.values())):,} threads, "
            f"{sum(map(len, messages)) / 1e6:.1f} MB, generated and appended in "
            f"{time.perf_counter() - started:.1f} s"
        )
        corpus_file = server.root / "corpus.json"
        corpus_file.write_text(json.dumps(thread_of))
        os.environ["PERNO_MAIL_CA_FILE"] = server.ca_file
        arguments = (
            ["--profile"] * args.profile
            + ["--purpose", args.purpose]
            + [
                "--port",
                str(server.port),
                "--user",
                "bench",
                "--password",
                USERS["bench"],
                "--folder",
                folder,
                "--corpus",
                str(corpus_file),
            ]
        )
        failed = False
        for _engine, result in each_engine(
            __file__, args.engines, "perno-mail", lambda _e: arguments, keep=args.keep
        ):
            if result is None:
                failed = True
                continue
            report(result, len(messages))
            failed |= result["misplaced"] != 0
    finally:
        server.close()
    case_list = Path(__file__).resolve().parent / "case_list.py"
    if args.case_list and case_list.exists():
        command = [sys.executable, str(case_list)]
        if args.cases:
            command += ["--cases", str(args.cases)]
        failed |= subprocess.run(command, check=False).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
