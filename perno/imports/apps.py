from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "perno.imports"
    label = "imports"

    def ready(self) -> None:
        # Registrations into lower layers (they never name this app).
        from perno.imports.models import ImportChange
        from perno.records import extensions
        from perno.records.relinking import handles, moving

        # The values an import's undo keeps belong to the person: after a merge, to the
        # survivor (so erasing the survivor erases them); ``object_id`` keeps naming the
        # record the import changed.
        extensions.register_relinker(
            "merge:contact",
            moving(ImportChange, "contact"),
            handles=handles(ImportChange, "contact"),
        )
