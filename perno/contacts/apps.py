from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "perno.contacts"
    label = "contacts"
