from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _import_dir(settings: Any, tmp_path: Any) -> None:
    settings.DATA_DIR = tmp_path / "data"


@pytest.fixture
def run_import(django_capture_on_commit_callbacks: Any) -> Any:
    """Upload, map (the suggested mapping unless given), decide and start an import."""
    from perno.imports import services

    def run(
        actor: Any,
        entity: str,
        text: str,
        *,
        name: str = "file.csv",
        mapping: dict[str, Any] | None = None,
        default: str = "skip",
        per_row: dict[int, str] | None = None,
        all_or_nothing: bool = False,
    ) -> Any:
        job = services.import_upload(
            actor=actor, entity=entity, name=name, content=text.encode("utf-8")
        )
        job = services.import_map(actor=actor, job=job, mapping=mapping or job.mapping)
        job = services.import_decide(actor=actor, job=job, default=default, per_row=per_row)
        with django_capture_on_commit_callbacks(execute=True):
            services.import_start(actor=actor, job=job, all_or_nothing=all_or_nothing)
        job.refresh_from_db()
        return job

    return run
