"""Companies and contacts in the search index."""

from django.utils.translation import gettext_lazy as _

from perno.contacts.models import Company, Contact
from perno.search.registry import Source, register

register(
    Source(
        kind="company",
        model=Company,
        label=_("Companies"),
        title=lambda o: o.name,
        subtitle=lambda o: [("industry", o.industry), ("vat_number", o.vat_number)],
        ident_fields=("vat_number", "email", "phone", "website"),
        body_fields=("industry", "notes"),
        custom_fields=True,
    )
)
register(
    Source(
        kind="contact",
        model=Contact,
        label=_("Contacts"),
        title=lambda o: o.full_name,
        subtitle=lambda o: [("job_title", o.job_title), ("email", o.email)],
        ident_fields=("email", "phone", "mobile"),
        body_fields=("job_title", "notes"),
        custom_fields=True,
    )
)
