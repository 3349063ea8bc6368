from typing import Any

from django.apps import AppConfig, apps
from django.core import checks
from django.db.models.signals import post_delete, post_save


def _digests_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    from perno.core import sealing

    subject = sender._meta.model_name
    if not raw and sealing.sealed_custom_keys(subject):
        sealing.refresh_digests(subject, [(instance.pk, instance.custom_fields)])


def _digests_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    from perno.core import sealing

    subject = sender._meta.model_name
    if sealing.sealed_custom_keys(subject):
        sealing.drop_digests(subject, [instance.pk])


def _check_keys(**kwargs: Any) -> list[checks.CheckMessage]:
    from perno.core import sealing

    return [checks.Error(problem, id="perno.E010") for problem in sealing.check_configuration()]


class CoreConfig(AppConfig):
    name = "perno.core"
    label = "core"

    def ready(self) -> None:
        from perno.core.fields import SealableJSONField

        checks.register(_check_keys)
        for model in apps.get_models():
            if any(isinstance(f, SealableJSONField) for f in model._meta.concrete_fields):
                post_save.connect(_digests_saved, sender=model, dispatch_uid=f"digests-{model}")
                post_delete.connect(
                    _digests_deleted, sender=model, dispatch_uid=f"digests-del-{model}"
                )
