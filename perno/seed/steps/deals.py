"""Deals in the pipelines, for the contacts' companies."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from perno.records.bulk import insert, next_id, reset_sequence
from perno.sales.models import Deal
from perno.seed.steps.state import SeedRun
from perno.seed.values import DEAL_WORDS


def insert_deals(run: SeedRun) -> int:
    """The deals, at a random stage; each one's company is kept for the steps after."""
    rng, when, pipelines, stages = run.rng, run.when, run.pipelines, run.stages
    deals, contacts, owner_ids, team_of = run.deals, run.contacts, run.owner_ids, run.team_of
    contact_start, contact_company = run.contact_start, run.contact_company
    deal_start = run.deal_start = next_id(Deal)
    deal_company = run.deal_company

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

    count = insert(
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
    return count
