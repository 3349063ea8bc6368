from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "perno.audit"
    label = "audit"
