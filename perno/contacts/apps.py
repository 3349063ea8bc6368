from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "perno.contacts"
    label = "contacts"

    def ready(self) -> None:
        # Registrations into lower layers (they never name this app).
        from perno.accounts.confidential import register_custom_fields, register_subject
        from perno.contacts.models import Address, Affiliation, Company, Contact
        from perno.contacts.selectors import custom_field_choices
        from perno.records import extensions
        from perno.records.relinking import handles, moving

        register_subject(Company)
        register_subject(Contact)
        register_custom_fields(custom_field_choices)
        # A merge moves the links and addresses (a company link both had is kept once).
        for kind, other in (("contact", "company"), ("company", "contact")):
            extensions.register_relinker(
                f"merge:{kind}",
                moving(Affiliation, kind, unique_with=(other,)),
                handles=(*handles(Affiliation, kind), "contacts.Contact.companies"),
            )
            extensions.register_relinker(
                f"merge:{kind}", moving(Address, kind), handles=handles(Address, kind)
            )
        _register_bulk()


def _register_bulk() -> None:
    """Bulk edit and delete of companies and contacts (``records.bulkedit``)."""
    from perno.contacts import selectors, services
    from perno.contacts.models import Company, Contact
    from perno.records.bulkedit import BulkType, register_bulk

    register_bulk(
        "company",
        BulkType(
            Company,
            selectors.company_list,
            services.company_update,
            services.company_delete,
            "company",
            custom_fields="company",
        ),
    )
    register_bulk(
        "contact",
        BulkType(
            Contact,
            selectors.contact_list,
            services.contact_update,
            services.contact_delete,
            "contact",
            custom_fields="contact",
        ),
    )
