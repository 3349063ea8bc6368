"""Contacts, each linked to a company of its country."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from perno.contacts.models import Affiliation, Contact
from perno.records.bulk import insert, next_id, reset_sequence
from perno.seed.steps.state import SeedRun
from perno.seed.values import JOB_TITLES_IT, JOB_TITLES_RO, ascii_slug, phone


def insert_contacts(run: SeedRun) -> int:
    """The contacts, each at a random company (whose id is kept for the steps after)."""
    rng, pools, when = run.rng, run.pools, run.when
    contacts, companies = run.contacts, run.companies
    owner_ids, team_of = run.owner_ids, run.team_of
    company_start, company_country = run.company_start, run.company_country
    contact_start = run.contact_start = next_id(Contact)
    contact_company = run.contact_company

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

    count = insert(
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
    return count


def insert_affiliations(run: SeedRun) -> int:
    """The contact-company links: each contact's primary company."""
    contact_start, contact_company = run.contact_start, run.contact_company
    affiliation_start = next_id(Affiliation)
    count = insert(
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
    return count
