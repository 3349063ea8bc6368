"""Start-up of the records app: key checks and the sealed digests of custom fields."""

from typing import Any

from django.apps import AppConfig, apps
from django.core import checks
from django.db.models.signals import post_delete, post_save

from perno.core import sealing
from perno.core.fields import SealableJSONField


def _digests_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    subject = sender._meta.model_name
    if not raw and sealing.sealed_custom_keys(subject):
        sealing.refresh_digests(subject, [(instance.pk, instance.custom_fields)])


def _digests_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    subject = sender._meta.model_name
    if sealing.sealed_custom_keys(subject):
        sealing.drop_digests(subject, [instance.pk])


def _check_keys(**kwargs: Any) -> list[checks.CheckMessage]:
    return [checks.Error(problem, id="perno.E010") for problem in sealing.check_configuration()]


class RecordsConfig(AppConfig):
    """Shared record models and services. The label stays "core" (the app's first name)
    so its tables, migrations and content types keep their names."""

    name = "perno.records"
    label = "core"

    def ready(self) -> None:
        checks.register(_check_keys)
        for model in apps.get_models():
            if any(isinstance(f, SealableJSONField) for f in model._meta.concrete_fields):
                post_save.connect(_digests_saved, sender=model, dispatch_uid=f"digests-{model}")
                post_delete.connect(
                    _digests_deleted, sender=model, dispatch_uid=f"digests-del-{model}"
                )
