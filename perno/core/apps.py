from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "perno.core"
    label = "core"
