from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "perno.mail"
    label = "mail"
