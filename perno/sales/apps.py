from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "perno.sales"
    label = "sales"
