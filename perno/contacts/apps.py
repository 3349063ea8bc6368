from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "perno.contacts"
    label = "contacts"

    def ready(self) -> None:
        # Registrations into lower layers (they never name this app).
        from perno.accounts.confidential import register_custom_fields, register_subject
        from perno.contacts.models import Company, Contact
        from perno.contacts.selectors import custom_field_choices

        register_subject(Company)
        register_subject(Contact)
        register_custom_fields(custom_field_choices)
