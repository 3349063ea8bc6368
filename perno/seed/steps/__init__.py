"""The steps of a seed, in the order ``perno.seed.generator.seed`` runs them: companies
and their addresses, contacts and their companies, deals, activities, comments. Each
step inserts its rows in bulk and returns how many; what later steps need is kept on
the shared ``SeedRun``."""

from perno.seed.steps.activities import insert_activities
from perno.seed.steps.comments import insert_comments
from perno.seed.steps.companies import insert_addresses, insert_companies
from perno.seed.steps.contacts import insert_affiliations, insert_contacts
from perno.seed.steps.deals import insert_deals
from perno.seed.steps.state import SeedRun

__all__ = [
    "SeedRun",
    "insert_activities",
    "insert_addresses",
    "insert_affiliations",
    "insert_comments",
    "insert_companies",
    "insert_contacts",
    "insert_deals",
]
