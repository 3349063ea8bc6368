"""Companies and their office addresses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from perno.contacts.models import Address, Company
from perno.records.bulk import insert, next_id, reset_sequence
from perno.seed.steps.state import SeedRun
from perno.seed.values import INDUSTRIES, IT_SUFFIX, RO_SUFFIX, ascii_slug, phone, vat_number


def insert_companies(run: SeedRun) -> int:
    """The companies; each one's country is kept for the steps after."""
    rng, pools, when = run.rng, run.pools, run.when
    companies, owner_ids, team_of = run.companies, run.owner_ids, run.team_of
    company_start = run.company_start = next_id(Company)
    company_country = run.company_country

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

    count = insert(
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
    return count


def insert_addresses(run: SeedRun) -> int:
    """One office address per company, in the company's country."""
    rng, pools, now = run.rng, run.pools, run.now
    companies = run.companies
    company_start, company_country = run.company_start, run.company_country
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

    count = insert(
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
    return count
