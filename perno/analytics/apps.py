from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "perno.analytics"
    label = "analytics"
