"""What the steps of one seed share: the random source, the name pools, the owners, the
pipelines, the clock, how many rows of each kind to make, and what the earlier steps
made that the later ones refer to (first ids, each company's country, each contact's
and each deal's company)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from perno.sales.models import Pipeline, Stage
from perno.seed.values import FastRandom, Pools


@dataclass
class SeedRun:
    rng: FastRandom
    pools: Pools
    owner_ids: list[int | None]
    team_of: dict[int | None, int | None]
    pipelines: list[Pipeline]
    stages: dict[int, list[Stage]]
    now: datetime.datetime
    # A pool of timestamps over the last two years (newest first), and its last year.
    moments: list[datetime.datetime]
    recent: list[datetime.datetime]
    # How many rows of each kind to make.
    companies: int
    contacts: int
    deals: int
    activities: int
    comments: int
    # Filled in by the steps, in order.
    company_start: int = 0
    company_country: list[str] = field(default_factory=list)
    contact_start: int = 0
    contact_company: list[int | None] = field(default_factory=list)
    deal_start: int = 0
    deal_company: list[int | None] = field(default_factory=list)

    def when(self, days_back: int = 720) -> datetime.datetime:
        pool = self.recent if days_back <= 365 else self.moments
        return pool[int(self.rng.random() * len(pool))]
