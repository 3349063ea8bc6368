from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "perno.cases"
    label = "cases"
