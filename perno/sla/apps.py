from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "perno.sla"
    label = "sla"
