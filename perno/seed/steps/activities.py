"""Activities (tasks, calls, meetings, e-mails, notes) on contacts and deals."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from perno.activities.models import Activity
from perno.records.bulk import insert, next_id, reset_sequence
from perno.seed.steps.state import SeedRun
from perno.seed.values import ACTIVITY_SUBJECTS


def insert_activities(run: SeedRun) -> int:
    """The activities, over the last year, on a contact and sometimes a deal."""
    rng, now, recent = run.rng, run.now, run.recent
    activities, contacts, deals = run.activities, run.contacts, run.deals
    owner_ids, team_of = run.owner_ids, run.team_of
    contact_start, contact_company = run.contact_start, run.contact_company
    deal_start, deal_company = run.deal_start, run.deal_company
    activity_start = next_id(Activity)
    kinds = list(ACTIVITY_SUBJECTS)

    def activity_rows() -> Iterator[list[Any]]:
        # The hottest loop of a large seed: local names, pre-built choices, and the
        # always-empty columns (reminders, lead) left to their NULL default.
        rand = rng.random
        specs = [
            (kind, ACTIVITY_SUBJECTS[kind], kind in ("task", "call", "meeting")) for kind in kinds
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
                company_id = contact_company[contact_index] if contact_index is not None else None
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

    count = insert(
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
    return count
