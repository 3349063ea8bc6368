from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "perno.marketing"
    label = "marketing"
