"""The demo data set: users, two pipelines, companies, contacts, deals, activities,
comments, leads, products and a few real PDF/DOCX attachments. Loading twice does nothing."""

from __future__ import annotations

import datetime
import io
import random
from collections.abc import Callable
from decimal import Decimal

import docx
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from fpdf import FPDF

from perno.accounts.models import Role, User
from perno.accounts.permissions import restrict
from perno.accounts.services import roles_ensure_defaults, team_get_or_create, user_create
from perno.activities import services as activity_services
from perno.activities.models import Activity
from perno.analytics import refresh
from perno.contacts import services as contact_services
from perno.contacts.models import Company, Contact, CustomFieldDefinition
from perno.core import sealing
from perno.knowledge.demo import load_demo_articles
from perno.marketing import services as marketing
from perno.marketing.fans import BOND_ROLES
from perno.marketing.models import Invitation, Response
from perno.privacy import breaches, keys, requests, services
from perno.privacy.models import Purpose
from perno.sales import services as sales_services
from perno.sales.models import Deal, Lead, Order, Product
from perno.seed.generator import seed

DEMO_PASSWORD = "perno-demo-2026"  # noqa: S105 - printed to the operator; demo only
DEMO_USERS = [
    # username, first, last, role, team
    ("admin", "Alessandra", "Conti", Role.ADMINISTRATOR, None),
    ("manager", "Marco", "Ferrari", Role.MANAGER, "Direzione vendite"),
    ("giulia", "Giulia", "Romano", Role.SALES, "Vendite Nord"),
    ("andrei", "Andrei", "Popescu", Role.SALES, "Vânzări București"),
    ("support", "Elena", "Ionescu", Role.SUPPORT, "Assistenza clienti"),
    ("dpo", "Daniela", "Greco", Role.DPO, None),
]


def demo_users() -> list[User]:
    roles_ensure_defaults()
    users = []
    for username, first, last, role, team in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                username=username,
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                email=f"{username}@perno.example",
                roles=[role],
                team=team,
            )
        users.append(user)
    sales_team_parent = team_get_or_create(name="Direzione vendite")
    for team_name in ("Vendite Nord", "Vânzări București"):
        sub_team = team_get_or_create(name=team_name)
        if sub_team.parent_id is None:
            sub_team.parent = sales_team_parent
            sub_team.save(update_fields=["parent"])
    return users


def is_loaded() -> bool:
    return Company.objects.exists() and User.objects.filter(username="admin").exists()


def _pdf(title: str, lines: list[str]) -> bytes:

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    for line in lines:
        pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _docx(title: str, lines: list[str]) -> bytes:

    document = docx.Document()
    document.add_heading(title, level=1)
    for line in lines:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


DOCUMENTS = [
    (
        "pdf",
        "Offerta commerciale 2026",
        [
            "Offerta per la fornitura di 40 licenze annuali del gestionale con assistenza inclusa.",
            "Prezzo unitario: 320,00 EUR + IVA 22%. Validità dell'offerta: 60 giorni.",
            "Condizioni di pagamento: bonifico bancario a 30 giorni data fattura.",
        ],
    ),
    (
        "docx",
        "Contract de prestări servicii",
        [
            "Obiectul contractului: implementarea sistemului CRM și instruirea personalului.",
            "Valoarea contractului: 18.500 RON, plătibili în două tranșe.",
            "Durata: 6 luni de la data semnării.",
        ],
    ),
    (
        "pdf",
        "Verbale riunione di progetto",
        [
            "Presenti: ufficio acquisti, direzione tecnica, commerciale.",
            "Decisioni: avvio della fase pilota a febbraio, formazione in sede per 12 persone.",
        ],
    ),
    (
        "docx",
        "Listino prezzi manutenzione",
        [
            "Manutenzione ordinaria: 90 EUR/ora. Intervento urgente entro 4 ore: 140 EUR/ora.",
            "Contratto annuale con 20 ore incluse: 1.600 EUR.",
        ],
    ),
]


NEWSLETTER_NOTICE = (
    "Informativa newsletter (art. 13 GDPR). Il titolare tratta nome ed e-mail per inviarti "
    "la newsletter e offerte commerciali, sulla base del tuo consenso. I dati non sono "
    "ceduti a terzi e sono conservati fino alla revoca, che puoi dare in ogni momento con "
    "il link presente in ogni e-mail. Puoi chiedere accesso, rettifica e cancellazione "
    "scrivendo al responsabile della protezione dei dati."
)


def _demo_sensitive(admin: User, rng: random.Random) -> None:
    """A tax code on some contacts; it and the contacts' notes are encrypted at rest when
    a key is configured (``perno demo`` makes one)."""

    contact_services.custom_field_create(
        actor=admin,
        data={
            "entity": CustomFieldDefinition.Entity.CONTACT,
            "key": "tax_code",
            "label": "Codice fiscale / CNP",
            "field_type": CustomFieldDefinition.FieldType.TEXT,
        },
    )
    letters = "ABCDEFGHILMNPRSTVZ"
    contacts = list(Contact.objects.filter(country="IT").order_by("pk")[:25])
    for contact in contacts:
        code = "".join(rng.choice(letters) for _ in range(6))
        code += f"{rng.randint(40, 99)}{rng.choice('ABCDEHLMPRST')}{rng.randint(1, 28):02d}"
        code += f"{rng.choice(letters)}{rng.randint(100, 999)}{rng.choice(letters)}"
        contact.custom_fields = {**(contact.custom_fields or {}), "tax_code": code}
    Contact.objects.bulk_update(contacts, ["custom_fields"])
    if sealing.ring().current:
        keys.marks_set(actor=admin, subject="contact", fields=["notes", "custom_fields.tax_code"])


def _demo_insight(users: list[User], rng: random.Random, report: Callable[[str], None]) -> None:
    """Three years of orders (customers who buy at their own pace, some of whom stop),
    the fan questionnaire answered by a few hundred of them, segments, and a first
    analytics snapshot, so every analytics page has something to show."""

    today = timezone.localdate()
    admin = users[0]
    contacts = list(Contact.objects.order_by("pk").values_list("pk", "owner_id", "team_id"))
    buyers = rng.sample(contacts, k=int(len(contacts) * 0.65))
    orders = []
    for pk, owner, team in buyers:
        rate = rng.gammavariate(0.8, 1 / 12)  # purchases per week
        first = rng.randint(30, 1095)
        alive_until = first if rng.random() < 0.6 else rng.randint(0, first)
        spend = rng.gammavariate(3, 60)
        day = first
        while day >= alive_until:
            orders.append(
                Order(
                    contact_id=pk,
                    ordered_on=today - datetime.timedelta(days=day),
                    total=Decimal(str(round(spend * rng.uniform(0.5, 1.5), 2))),
                    cost=Decimal(str(round(spend * 0.55, 2))) if rng.random() < 0.7 else None,
                    source=Order.Source.IMPORT,
                    owner_id=owner,
                    team_id=team,
                )
            )
            day -= max(1, int(rng.expovariate(rate) * 7)) if rate > 0 else first + 1
    Order.objects.bulk_create(orders, batch_size=2000)
    purpose, _created = Purpose.objects.get_or_create(
        code="feedback",
        defaults={
            "name": "Customer feedback",
            "legal_basis": "legitimate_interest",
            "basis_detail": "Asking customers how we serve them, to improve; they can object at any time.",
        },
    )
    survey = marketing.survey_from_template(actor=admin, purpose=purpose)
    survey = marketing.survey_set_status(actor=admin, survey=survey, status="published")
    people = list(Contact.objects.filter(pk__in=[b[0] for b in buyers]).exclude(email="")[:260])
    created = marketing.invitations_create(
        actor=admin, survey=survey, contacts=people, send=False
    ).created
    for invitation in created:
        by_role = {q.role: str(q.pk) for q in marketing.questions_for(invitation) if q.role}
        mood = rng.random()
        raw = {
            by_role["satisfaction"]: str(min(10, max(0, round(rng.gauss(5 + 4 * mood, 1.5))))),
            by_role["nps"]: str(min(10, max(0, round(rng.gauss(4 + 5 * mood, 2))))),
        }
        attachment = rng.random()
        for role in BOND_ROLES:
            if rng.random() < 0.9:
                raw[by_role[role]] = str(
                    min(5, max(1, round(rng.gauss(1.5 + 3.5 * attachment, 0.8))))
                )
        try:
            response = marketing.response_submit(invitation=invitation, raw=raw)
        except ValidationError:
            continue  # fewer than required answers: the demo respondent gave up
        when = timezone.now() - datetime.timedelta(days=rng.randint(0, 200))
        Response.objects.filter(pk=response.pk).update(submitted_at=when)
        Invitation.objects.filter(pk=invitation.pk).update(answered_at=when, sent_at=when)
    marketing.segment_create(
        actor=admin,
        data={
            "name": "Campioni in Italia",
            "kind": "dynamic",
            "criteria": [
                {"field": "rfm_segment", "op": "in", "value": ["champions", "loyal"]},
                {"field": "country", "op": "eq", "value": "IT"},
            ],
        },
    )
    marketing.segment_create(
        actor=admin,
        data={
            "name": "Clienți în pericol / Clienti a rischio",
            "kind": "dynamic",
            "criteria": [{"field": "rfm_segment", "op": "in", "value": ["at_risk", "cant_lose"]}],
        },
    )
    fair = marketing.segment_create(
        actor=admin, data={"name": "Fiera Milano 2026", "kind": "static"}
    )
    marketing.segment_members_change(
        actor=admin, segment=fair, add=[pk for pk, _o, _t in contacts[:12]]
    )
    snapshot = refresh.refresh(today)
    report(
        f"  {len(orders):>6} orders, {Response.objects.count()} fan questionnaire answers, "
        f"analytics snapshot: {snapshot.get_status_display().lower()}"
    )


def _demo_privacy(users: list[User], rng: random.Random) -> None:
    """The privacy office's starting point: the controller, a published newsletter
    notice, consents with their proof, an open request and a documented breach."""

    dpo, seller = users[-1], users[2]
    services.controller_save(
        actor=dpo,
        data={
            "name": "Perno Demo S.r.l.",
            "address": "Via Roma 1, 20121 Milano",
            "email": "privacy@perno.example",
            "dpo_name": "Daniela Greco",
            "dpo_email": "dpo@perno.example",
            "supervisory_authority": "Garante per la protezione dei dati personali",
        },
    )
    newsletter = Purpose.objects.filter(code="newsletter").first() or services.purpose_save(
        actor=dpo,
        purpose=None,
        data={
            "code": "newsletter",
            "name": "Newsletter e offerte commerciali",
            "legal_basis": "consent",
            "is_direct_marketing": True,
            "data_categories": ["identity", "contact", "consent"],
        },
    )
    services.notice_publish(
        actor=dpo, purpose=newsletter, version="2026-01", language="it", text=NEWSLETTER_NOTICE
    )
    contacts = list(restrict(Contact.objects.all(), seller, "edit").order_by("pk")[:40])
    for i, contact in enumerate(contacts):
        channel = ["web_form", "paper", "phone", "email"][i % 4]
        services.consent_record(
            actor=seller,
            contact=contact,
            purpose=newsletter,
            kind="given",
            channel=channel,
            occurred_at=timezone.now() - datetime.timedelta(days=rng.randrange(10, 300)),
            source="https://perno.example/newsletter" if channel == "web_form" else "",
        )
        if i % 9 == 8:
            services.consent_record(
                actor=seller, contact=contact, purpose=newsletter, kind="withdrawn", channel="email"
            )
    if contacts:
        person = contacts[0]
        requests.request_create(
            actor=dpo,
            data={
                "kind": "access",
                "received_on": timezone.localdate() - datetime.timedelta(days=20),
                "channel": "email",
                "requester_name": person.full_name,
                "requester_email": person.email,
                "details": "Vorrei sapere quali dati personali conservate su di me.",
            },
            contact=person,
        )
    found = timezone.now() - datetime.timedelta(days=40)
    breach = breaches.breach_save(
        actor=dpo,
        breach=None,
        data={
            "title": "E-mail inviata al destinatario sbagliato",
            "description": "Un'offerta con i dati di un cliente è stata inviata a un altro cliente.",
            "discovered_at": found,
            "categories": ["identity", "contact"],
            "people_affected": 1,
            "measures": "Chiesto al destinatario di cancellare l'e-mail; formazione del personale.",
            "no_notification_reason": "Un solo destinatario, che ha confermato la cancellazione: rischio improbabile.",
        },
    )
    breaches.breach_close(actor=dpo, breach=breach)


def load_demo(
    *, report: Callable[[str], None] = print, scale: float = 1.0, seed_value: int = 2026
) -> bool:
    """Load the demo data unless it is already there. Returns True when loaded now."""
    users = demo_users()
    if is_loaded():
        report("Demo data already loaded; nothing added.")
        return False
    admin = users[0]
    staff = users[:-1]  # the DPO owns no customers and has no tasks
    rng = random.Random(seed_value)
    result = seed(
        companies=int(220 * scale),
        contacts=int(1100 * scale),
        deals=int(320 * scale),
        activities=int(2000 * scale),
        comments=int(2000 * scale),
        seed_value=seed_value,
        users=staff,
        progress=lambda what, n: report(f"  {n:>6} {what}"),
    )
    # Custom fields an administrator might define.
    contact_services.custom_field_create(
        actor=admin,
        data={
            "entity": CustomFieldDefinition.Entity.COMPANY,
            "key": "sector_code",
            "label": "ATECO / CAEN",
            "field_type": CustomFieldDefinition.FieldType.TEXT,
        },
    )
    contact_services.custom_field_create(
        actor=admin,
        data={
            "entity": CustomFieldDefinition.Entity.DEAL,
            "key": "channel",
            "label": "Canale",
            "field_type": CustomFieldDefinition.FieldType.CHOICE,
            "choices": ["Diretto", "Partner", "Online"],
        },
    )
    _demo_sensitive(admin, rng)
    # Leads through the services, so they carry history.
    for i, (first, last, company, source) in enumerate(
        [
            ("Luca", "Bianchi", "Bianchi Arredamenti S.r.l.", Lead.Source.WEB),
            ("Ioana", "Dumitru", "Dumitru Logistic S.R.L.", Lead.Source.EVENT),
            ("Francesca", "Greco", "Greco Alimentari S.n.c.", Lead.Source.REFERRAL),
            ("Mihai", "Stan", "Stan Construct S.A.", Lead.Source.PHONE),
            ("Paolo", "Russo", "", Lead.Source.EMAIL),
            ("Ana", "Marin", "Marin Textile S.R.L.", Lead.Source.PARTNER),
        ]
    ):
        sales_services.lead_create(
            actor=users[2 + i % 2],
            data={
                "first_name": first,
                "last_name": last,
                "company_name": company,
                "source": source,
                "email": f"{first.lower()}.{last.lower()}@example.com",
                "country": "RO" if i % 2 else "IT",
                "owner": users[2 + i % 2],
            },
        )
    for sku, name, price, currency in [
        ("LIC-CRM-Y", "Licenza CRM annuale", "320.00", "EUR"),
        ("SUP-H", "Assistenza oraria", "90.00", "EUR"),
        ("TRN-D", "Giornata di formazione", "650.00", "EUR"),
        ("IMPL-RO", "Implementare CRM", "18500.00", "RON"),
        ("MNT-Y", "Contratto di manutenzione", "1600.00", "EUR"),
    ]:
        sales_services.product_create(
            actor=admin,
            data={
                "sku": sku,
                "name": name,
                "unit_price": Decimal(price),
                "currency": currency,
                "vat_rate": Decimal("19" if currency == "RON" else "22"),
            },
        )
    # The knowledge base: articles in Italian, Romanian and English by the support agent.
    load_demo_articles(admin=admin, editor=users[4])
    # Today's work for every demo user: open, overdue and reminded tasks.
    now = timezone.now()
    for user in staff:
        # Each user's tasks are about contacts they may see (their scope).
        contacts = list(restrict(Contact.objects.all(), user, "view").order_by("pk")[:60])
        visible_companies = restrict(Company.objects.all(), user, "view")
        if not contacts:
            continue
        for j in range(4):
            contact = contacts[rng.randrange(len(contacts))]
            activity_services.activity_create(
                actor=user,
                data={
                    "kind": Activity.Kind.TASK if j % 2 == 0 else Activity.Kind.CALL,
                    "subject": [
                        "Richiamare per l'offerta",
                        "Trimite contractul",
                        "Confermare la demo",
                        "Verifica plata",
                    ][j],
                    "assignee": user,
                    "contact": contact,
                    "company": contact.companies.filter(pk__in=visible_companies).first(),
                    "due_at": now + datetime.timedelta(days=j - 2, hours=2),
                    "remind_at": now - datetime.timedelta(minutes=5) if j == 3 else None,
                    "priority": Activity.Priority.HIGH if j == 0 else Activity.Priority.NORMAL,
                },
            )
    # A few real documents, attached through the comment service.
    companies = list(
        restrict(Company.objects.all(), users[1], "view").order_by("pk")[: len(DOCUMENTS)]
    )
    for (kind, title, lines), target in zip(DOCUMENTS, companies, strict=False):
        data = _pdf(title, lines) if kind == "pdf" else _docx(title, lines)
        upload = SimpleUploadedFile(f"{title}.{kind}", data)
        activity_services.comment_create(
            actor=users[1], target=target, body=f"{title} — allegato / atașat.", files=[upload]
        )
    deal = restrict(Deal.objects.all(), users[2], "view").order_by("pk").first()
    if deal is not None:
        upload = SimpleUploadedFile(
            "Offerta dettagliata.pdf", _pdf("Offerta dettagliata", DOCUMENTS[0][2])
        )
        activity_services.comment_create(
            actor=users[2], target=deal, body="Offerta inviata al cliente.", files=[upload]
        )
    _demo_privacy(users, rng)
    _demo_insight(users, rng, report)
    report(
        f"Demo data loaded: {result.companies} companies, {result.contacts} contacts, {result.deals} deals, "
        f"{result.activities} activities, {result.comments} comments, {Product.objects.count()} products."
    )
    return True
