"""Deterministic bulk generation of Italian and Romanian CRM data (Faker it_IT / ro_RO
name pools, valid E.164 phones, VAT numbers with correct check digits)."""

from __future__ import annotations

import datetime
import functools
import random
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from faker import Faker
from stdnum import luhn
from stdnum.ro import cui

from perno.accounts.models import Team, User
from perno.activities.models import Activity, Comment
from perno.contacts.models import Address, Affiliation, Company, Contact
from perno.sales.models import Deal, Pipeline, Stage
from perno.seed.bulk import insert, next_id, reset_sequence

IT_MOBILE = [
    "320",
    "328",
    "329",
    "333",
    "335",
    "338",
    "339",
    "340",
    "345",
    "347",
    "348",
    "349",
    "366",
    "380",
    "389",
    "392",
    "393",
]
RO_MOBILE = [
    "720",
    "721",
    "722",
    "723",
    "724",
    "726",
    "728",
    "730",
    "731",
    "732",
    "740",
    "744",
    "745",
    "747",
    "749",
    "751",
    "753",
    "755",
    "757",
    "761",
    "763",
    "765",
    "766",
    "770",
    "771",
    "772",
    "773",
    "774",
    "788",
]
IT_SUFFIX = ["S.r.l.", "S.p.A.", "S.n.c.", "S.a.s.", "S.r.l.s."]
RO_SUFFIX = ["S.R.L.", "S.A.", "S.R.L.-D", "S.N.C."]
INDUSTRIES = [
    "Manifattura",
    "Commercio",
    "Logistica",
    "Turismo",
    "Edilizia",
    "Agroalimentare",
    "IT e software",
    "Consulenza",
    "Sanità",
    "Energie rinnovabili",
    "Moda",
    "Automotive",
]
JOB_TITLES_IT = [
    "Amministratore delegato",
    "Responsabile acquisti",
    "Direttore commerciale",
    "Responsabile IT",
    "Titolare",
    "Responsabile marketing",
    "Office manager",
    "Direttore tecnico",
]
JOB_TITLES_RO = [
    "Director general",
    "Manager achiziții",
    "Director vânzări",
    "Manager IT",
    "Administrator",
    "Manager marketing",
    "Contabil șef",
    "Director tehnic",
]
DEAL_WORDS = [
    "Fornitura",
    "Licenze",
    "Manutenzione",
    "Progetto",
    "Rinnovo",
    "Consulenza",
    "Implementare",
    "Contract",
    "Ofertă",
]
ACTIVITY_SUBJECTS = {
    "task": [
        "Inviare offerta",
        "Preparare contratto",
        "Verificare pagamento",
        "Trimite ofertă",
        "Pregătește contractul",
    ],
    "call": [
        "Chiamata di follow-up",
        "Chiamata conoscitiva",
        "Apel de urmărire",
        "Apel de calificare",
    ],
    "meeting": ["Incontro in sede", "Demo prodotto", "Întâlnire la client", "Prezentare produs"],
    "email": ["E-mail di presentazione", "Invio listino", "E-mail cu oferta", "Trimitere catalog"],
    "note": [
        "Nota dal cliente",
        "Preferenze di consegna",
        "Notă despre client",
        "Observații la livrare",
    ],
}
COMMENT_TEXTS = [
    "Il cliente chiede uno sconto del 5% sul rinnovo annuale.",
    "Ho inviato il preventivo aggiornato, attendiamo conferma entro venerdì.",
    "Clientul dorește livrarea în două tranșe.",
    "Discutat con l'ufficio acquisti: budget approvato per il prossimo trimestre.",
    "Am trimis contractul semnat, urmează factura proformă.",
    "Richiesta una demo per il reparto logistica.",
]


@functools.lru_cache(maxsize=8192)
def ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


@dataclass
class Pools:
    first_it: list[str]
    last_it: list[str]
    first_ro: list[str]
    last_ro: list[str]
    cities_it: list[tuple[str, str, str]] = field(default_factory=list)  # city, postcode, province
    cities_ro: list[tuple[str, str, str]] = field(default_factory=list)
    streets_it: list[str] = field(default_factory=list)
    streets_ro: list[str] = field(default_factory=list)


def build_pools(seed: int, size: int = 400) -> Pools:
    it, ro = Faker("it_IT"), Faker("ro_RO")
    it.seed_instance(seed)
    ro.seed_instance(seed + 1)
    pools = Pools(
        first_it=sorted({it.first_name() for _ in range(size)}),
        last_it=sorted({it.last_name() for _ in range(size)}),
        first_ro=sorted({ro.first_name() for _ in range(size)}),
        last_ro=sorted({ro.last_name() for _ in range(size)}),
    )
    pools.cities_it = [(it.city(), it.postcode(), it.state_abbr()) for _ in range(size // 4)]
    pools.cities_ro = [(ro.city(), ro.postcode(), ro.state()) for _ in range(size // 4)]
    pools.streets_it = [it.street_address() for _ in range(size)]
    pools.streets_ro = [ro.street_address() for _ in range(size)]
    return pools


class FastRandom(random.Random):
    """``choice``/``randrange`` through ``random()``: several times faster than the
    rejection sampling of the standard methods, still deterministic for a seed."""

    def choice(self, seq):  # type: ignore[no-untyped-def, override]
        return seq[int(self.random() * len(seq))]

    def randrange(self, start, stop=None, step=1):  # type: ignore[no-untyped-def, override]
        if stop is None:
            start, stop = 0, start
        return start + int(self.random() * (stop - start))


def phone(rng: random.Random, country: str, mobile: bool = True) -> str:
    if country == "IT":
        if mobile:
            return f"+39{rng.choice(IT_MOBILE)}{rng.randrange(10**6, 10**7)}"
        return f"+3906{rng.randrange(10**7, 10**8)}"
    if mobile:
        return f"+40{rng.choice(RO_MOBILE)}{rng.randrange(10**5, 10**6)}"
    return f"+4021{rng.randrange(10**6, 10**7)}"


def vat_number(rng: random.Random, country: str) -> str:
    if country == "IT":
        base = f"{rng.randrange(10**6, 10**7):07d}{rng.randrange(1, 101):03d}"
        return f"IT{base}{luhn.calc_check_digit(base)}"
    base = str(rng.randrange(10**5, 10**8))
    return f"RO{base}{cui.calc_check_digit(base)}"


@dataclass
class SeedResult:
    companies: int = 0
    contacts: int = 0
    deals: int = 0
    activities: int = 0
    comments: int = 0
    addresses: int = 0
    affiliations: int = 0

    @property
    def rows(self) -> int:
        return self.companies + self.contacts + self.deals + self.activities + self.comments

    @property
    def rows_with_links(self) -> int:
        """Every inserted row, including contact-company links and addresses."""
        return self.rows + self.addresses + self.affiliations


def ensure_pipelines() -> list[Pipeline]:
    from perno.sales.models import Stage as StageModel

    if not Pipeline.objects.exists():
        specs = [
            (
                "Vendite Italia",
                True,
                [
                    ("Nuovo", 10, "open"),
                    ("Qualificato", 25, "open"),
                    ("Offerta", 50, "open"),
                    ("Trattativa", 75, "open"),
                    ("Vinto", 100, "won"),
                    ("Perso", 0, "lost"),
                ],
            ),
            (
                "Vânzări România",
                False,
                [
                    ("Nou", 10, "open"),
                    ("Calificat", 30, "open"),
                    ("Ofertă trimisă", 60, "open"),
                    ("Câștigat", 100, "won"),
                    ("Pierdut", 0, "lost"),
                ],
            ),
        ]
        for position, (name, default, stages) in enumerate(specs):
            pipeline = Pipeline.objects.create(name=name, is_default=default, position=position)
            StageModel.objects.bulk_create(
                StageModel(pipeline=pipeline, name=s, probability=p, kind=k, position=i)
                for i, (s, p, k) in enumerate(stages)
            )
    return list(Pipeline.objects.prefetch_related("stages").order_by("position"))


def _postgres_fast_load() -> None:
    """The generated rows reference only rows generated just before them, so foreign-key
    triggers can be skipped when the role may (superuser); otherwise they are checked while
    copying, in PostgreSQL's own process beside the generator, rather than all at commit."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if row and row[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def seed(
    *,
    companies: int,
    contacts: int,
    deals: int,
    activities: int,
    comments: int = 0,
    seed_value: int = 42,
    users: list[User] | None = None,
    progress: Callable[[str, int], None] | None = None,
    index: bool = True,
) -> SeedResult:
    """Insert generated rows in bulk. Deterministic for a given seed and starting state.
    Bulk rows bypass the search signals, so the search index is rebuilt afterwards
    (``index=False`` leaves that to the caller)."""
    rng = FastRandom(seed_value)
    pools = build_pools(seed_value)
    users = users or list(User.objects.filter(is_active=True).order_by("pk"))
    owner_ids: list[int | None] = [u.pk for u in users] or [None]
    team_of: dict[int | None, int | None] = {u.pk: u.team_id for u in users}
    pipelines = ensure_pipelines()
    stages: dict[int, list[Stage]] = {p.pk: list(p.stages.all()) for p in pipelines}
    now = timezone.now().replace(microsecond=0)
    result = SeedResult()
    report = progress or (lambda _what, _n: None)

    # A pool of timestamps over the last two years: building a datetime per row is a
    # large share of the generator's time.
    moments = sorted(
        (now - datetime.timedelta(seconds=rng.randrange(0, 720 * 86400)) for _ in range(20_000)),
        reverse=True,
    )
    year_ago = now - datetime.timedelta(days=365)
    recent = [m for m in moments if m >= year_ago]

    def when(days_back: int = 720) -> datetime.datetime:
        pool = recent if days_back <= 365 else moments
        return pool[int(rng.random() * len(pool))]

    with transaction.atomic():
        if connection.vendor == "postgresql":
            _postgres_fast_load()
        # Companies ----------------------------------------------------------------
        company_start = next_id(Company)
        company_country: list[str] = []

        def company_rows() -> Iterator[list[Any]]:
            for i in range(companies):
                country = "IT" if rng.random() < 0.6 else "RO"
                company_country.append(country)
                last = rng.choice(pools.last_it if country == "IT" else pools.last_ro)
                other = rng.choice(pools.last_it if country == "IT" else pools.last_ro)
                name = (
                    f"{last} & {other} {rng.choice(IT_SUFFIX if country == 'IT' else RO_SUFFIX)}"
                    if rng.random() < 0.3
                    else f"{last} {rng.choice(IT_SUFFIX if country == 'IT' else RO_SUFFIX)}"
                )
                slug = ascii_slug(last) + str(company_start + i)
                owner = rng.choice(owner_ids)
                created = when()
                yield [
                    company_start + i,
                    name,
                    vat_number(rng, country),
                    rng.choice(INDUSTRIES),
                    f"https://www.{slug}.{country.lower()}",
                    f"info@{slug}.{country.lower()}",
                    phone(rng, country, mobile=False),
                    country,
                    rng.choice([5, 12, 25, 50, 120, 300, 800]),
                    "",
                    "{}",
                    owner,
                    team_of.get(owner),
                    1,
                    created,
                    created,
                ]

        result.companies = insert(
            Company,
            [
                "id",
                "name",
                "vat_number",
                "industry",
                "website",
                "email",
                "phone",
                "country",
                "employees",
                "notes",
                "custom_fields",
                "owner_id",
                "team_id",
                "version",
                "created_at",
                "updated_at",
            ],
            company_rows(),
            plain=True,
        )
        reset_sequence(Company)
        report("companies", result.companies)

        address_start = next_id(Address)

        def address_rows() -> Iterator[list[Any]]:
            for i in range(companies):
                country = company_country[i]
                city, postcode, region = rng.choice(
                    pools.cities_it if country == "IT" else pools.cities_ro
                )
                created = now
                yield [
                    address_start + i,
                    company_start + i,
                    None,
                    "office",
                    rng.choice(pools.streets_it if country == "IT" else pools.streets_ro),
                    city,
                    postcode,
                    region,
                    country,
                    created,
                    created,
                ]

        result.addresses = insert(
            Address,
            [
                "id",
                "company_id",
                "contact_id",
                "kind",
                "street",
                "city",
                "postal_code",
                "region",
                "country",
                "created_at",
                "updated_at",
            ],
            address_rows(),
            plain=True,
        )
        reset_sequence(Address)

        # Contacts and their companies -----------------------------------------------
        contact_start = next_id(Contact)
        contact_company: list[int | None] = []

        def contact_rows() -> Iterator[list[Any]]:
            rand = rng.random
            owners = [(owner, team_of.get(owner)) for owner in owner_ids]
            by_country = {
                "IT": (pools.first_it, pools.last_it, JOB_TITLES_IT, "it", "example.it"),
                "RO": (pools.first_ro, pools.last_ro, JOB_TITLES_RO, "ro", "example.ro"),
            }
            for i in range(contacts):
                company_index = int(rand() * companies) if companies else None
                country = company_country[company_index] if company_index is not None else "IT"
                contact_company.append(
                    company_start + company_index if company_index is not None else None
                )
                firsts, lasts, titles, language, domain = by_country[country]
                first = firsts[int(rand() * len(firsts))]
                last = lasts[int(rand() * len(lasts))]
                owner, team = owners[int(rand() * len(owners))]
                created = when()
                contact_id = contact_start + i
                yield [
                    contact_id,
                    first,
                    last,
                    f"{ascii_slug(first)}.{ascii_slug(last)}{contact_id}@{domain}",
                    phone(rng, country, mobile=False) if rand() < 0.4 else "",
                    phone(rng, country),
                    titles[int(rand() * len(titles))],
                    language,
                    country,
                    "",
                    "{}",
                    owner,
                    team,
                    1,
                    created,
                    created,
                ]

        result.contacts = insert(
            Contact,
            [
                "id",
                "first_name",
                "last_name",
                "email",
                "phone",
                "mobile",
                "job_title",
                "language",
                "country",
                "notes",
                "custom_fields",
                "owner_id",
                "team_id",
                "version",
                "created_at",
                "updated_at",
            ],
            contact_rows(),
            plain=True,
        )
        reset_sequence(Contact)
        affiliation_start = next_id(Affiliation)
        result.affiliations = insert(
            Affiliation,
            ["id", "contact_id", "company_id", "job_title", "is_primary"],
            (
                [affiliation_start + i, contact_start + i, company_id, "", True]
                for i, company_id in enumerate(contact_company)
                if company_id is not None
            ),
            plain=True,
        )
        reset_sequence(Affiliation)
        report("contacts", result.contacts)

        # Deals ------------------------------------------------------------------------
        deal_start = next_id(Deal)
        deal_company: list[int | None] = []

        def deal_rows() -> Iterator[list[Any]]:
            for i in range(deals):
                pipeline = (
                    pipelines[i % len(pipelines)]
                    if len(pipelines) > 1 and rng.random() < 0.4
                    else pipelines[0]
                )
                stage = rng.choice(stages[pipeline.pk])
                contact_index = rng.randrange(contacts) if contacts else None
                company_id = contact_company[contact_index] if contact_index is not None else None
                deal_company.append(company_id)
                status = {"won": "won", "lost": "lost"}.get(stage.kind, "open")
                created = when(365)
                owner = rng.choice(owner_ids)
                currency = "RON" if pipeline.position == 1 else "EUR"
                amount = Decimal(rng.randrange(500, 250_000)).quantize(Decimal("1"))
                close = (created + datetime.timedelta(days=rng.randrange(10, 180))).date()
                yield [
                    deal_start + i,
                    f"{rng.choice(DEAL_WORDS)} {deal_start + i}",
                    company_id,
                    contact_start + contact_index if contact_index is not None else None,
                    pipeline.pk,
                    stage.pk,
                    amount,
                    currency,
                    stage.probability,
                    close,
                    status,
                    ""
                    if status == "open"
                    else rng.choice(["Prezzo", "Tempistiche", "Concorrenza", "Buget", "Relazione"]),
                    created if status != "open" else None,
                    float(i),
                    "",
                    "{}",
                    owner,
                    team_of.get(owner),
                    1,
                    created,
                    created,
                ]

        result.deals = insert(
            Deal,
            [
                "id",
                "title",
                "company_id",
                "contact_id",
                "pipeline_id",
                "stage_id",
                "amount",
                "currency",
                "probability",
                "expected_close_date",
                "status",
                "close_reason",
                "closed_at",
                "board_position",
                "notes",
                "custom_fields",
                "owner_id",
                "team_id",
                "version",
                "created_at",
                "updated_at",
            ],
            deal_rows(),
            plain=True,
        )
        reset_sequence(Deal)
        report("deals", result.deals)

        # Activities -------------------------------------------------------------------
        activity_start = next_id(Activity)
        kinds = list(ACTIVITY_SUBJECTS)

        def activity_rows() -> Iterator[list[Any]]:
            # The hottest loop of a large seed: local names, pre-built choices, and the
            # always-empty columns (reminders, lead) left to their NULL default.
            rand = rng.random
            specs = [
                (kind, ACTIVITY_SUBJECTS[kind], kind in ("task", "call", "meeting"))
                for kind in kinds
            ]
            offsets = [datetime.timedelta(days=d) for d in range(-5, 30)]
            priorities = (1, 2, 2, 2, 3, 4)
            owners = [(owner, team_of.get(owner)) for owner in owner_ids]
            recent_pool, n_recent = recent, len(recent)
            for i in range(activities):
                kind, subjects, timed = specs[int(rand() * len(specs))]
                contact_index = int(rand() * contacts) if contacts else None
                deal_index = int(rand() * deals) if deals and rand() < 0.4 else None
                if deal_index is not None:
                    company_id = deal_company[deal_index]
                else:
                    company_id = (
                        contact_company[contact_index] if contact_index is not None else None
                    )
                created = recent_pool[int(rand() * n_recent)]
                due = created + offsets[int(rand() * 35)]
                done = due < now and rand() < 0.7
                assignee, team = owners[int(rand() * len(owners))]
                yield [
                    activity_start + i,
                    kind,
                    subjects[int(rand() * len(subjects))],
                    "",
                    assignee,
                    due if timed else None,
                    priorities[int(rand() * 6)],
                    "done" if done else "open",
                    due if done else None,
                    company_id,
                    contact_start + contact_index if contact_index is not None else None,
                    deal_start + deal_index if deal_index is not None else None,
                    assignee,
                    team,
                    1,
                    created,
                    created,
                ]

        result.activities = insert(
            Activity,
            [
                "id",
                "kind",
                "subject",
                "description",
                "assignee_id",
                "due_at",
                "priority",
                "status",
                "completed_at",
                "company_id",
                "contact_id",
                "deal_id",
                "owner_id",
                "team_id",
                "version",
                "created_at",
                "updated_at",
            ],
            activity_rows(),
            plain=True,
        )
        reset_sequence(Activity)
        report("activities", result.activities)

        comment_start = next_id(Comment)

        def comment_rows() -> Iterator[list[Any]]:
            for i in range(comments):
                created = when(365)
                target = rng.random()
                company_id = contact_id = deal_id = None
                if target < 0.4 and companies:
                    company_id = company_start + rng.randrange(companies)
                elif target < 0.7 and contacts:
                    contact_id = contact_start + rng.randrange(contacts)
                elif deals:
                    deal_id = deal_start + rng.randrange(deals)
                yield [
                    comment_start + i,
                    rng.choice(owner_ids),
                    rng.choice(COMMENT_TEXTS),
                    None,
                    company_id,
                    contact_id,
                    deal_id,
                    None,
                    None,
                    created,
                    created,
                ]

        result.comments = insert(
            Comment,
            [
                "id",
                "author_id",
                "body",
                "parent_id",
                "company_id",
                "contact_id",
                "deal_id",
                "lead_id",
                "activity_id",
                "created_at",
                "updated_at",
            ],
            comment_rows(),
            plain=True,
        )
        reset_sequence(Comment)
        report("comments", result.comments)
    from perno.core.sealing import sealed_fields

    if sealed_fields():  # bulk rows are written plain: seal the marked fields now
        from perno.privacy import keys

        try:
            rotation = keys.start(actor=None)
            rotation.refresh_from_db()
            report(
                f"records checked for encryption ({rotation.get_status_display()})", rotation.done
            )
        except keys.RotationError as exc:
            report(f"sensitive fields NOT encrypted: {exc}", 0)
    if index:
        from perno.search.indexer import rebuild

        rebuild()
        report("search index", sum(result_counts(result)))
    return result


def result_counts(result: SeedResult) -> list[int]:
    return [int(v) for v in vars(result).values() if isinstance(v, int)]


def default_team(name: str) -> Team:
    return Team.objects.get_or_create(name=name)[0]
