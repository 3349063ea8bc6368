from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "perno.search"
    label = "search"
