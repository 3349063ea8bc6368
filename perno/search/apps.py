from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "perno.search"
    label = "search"

    def ready(self) -> None:
        from perno.search import signals

        signals.connect()
