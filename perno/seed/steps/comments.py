"""Comments on companies, contacts and deals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from perno.activities.models import Comment
from perno.records.bulk import insert, next_id, reset_sequence
from perno.seed.steps.state import SeedRun
from perno.seed.values import COMMENT_TEXTS


def insert_comments(run: SeedRun) -> int:
    """The comments, over the last year, each on a company, a contact or a deal."""
    rng, when, owner_ids = run.rng, run.when, run.owner_ids
    comments, companies, contacts, deals = run.comments, run.companies, run.contacts, run.deals
    company_start, contact_start = run.company_start, run.contact_start
    deal_start = run.deal_start
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

    count = insert(
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
    return count
