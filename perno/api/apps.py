from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "perno.api"
    label = "api"
