from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "perno.accounts"
    label = "accounts"
