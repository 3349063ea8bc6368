"""The OpenAPI document: built once per process and language (building it took about
340 ms a request), with links from each creating operation to the operations on what it
created, so that clients and stateful fuzzers (``bench/fuzz.py``) can follow them."""

from __future__ import annotations

import re
import threading
from typing import Any

from django.utils import translation
from ninja import NinjaAPI

_PARAM = re.compile(r"\{([^}]+)\}")


def add_links(schema: dict[str, Any]) -> dict[str, Any]:
    """``POST /things`` answering 201 with an ``id`` links to every operation on
    ``/things/{thing_id}...`` whose only path parameter is that id."""
    paths = schema.get("paths", {})
    for path, operations in paths.items():
        responses = operations.get("post", {}).get("responses", {})
        created = responses.get(201) or responses.get("201")  # ninja keys them by number
        if created is None or _PARAM.search(path):
            continue
        links: dict[str, Any] = {}
        for target, target_operations in paths.items():
            names = _PARAM.findall(target)
            if len(names) != 1 or not target.startswith(f"{path}/{{{names[0]}}}"):
                continue
            for method, operation in target_operations.items():
                if not isinstance(operation, dict) or "operationId" not in operation:
                    continue
                links[f"{operation['operationId']}"] = {
                    "operationId": operation["operationId"],
                    "parameters": {names[0]: "$response.body#/id"},
                    "description": f"{method.upper()} {target} on what was created.",
                }
        if links:
            created["links"] = links
    return schema


class PernoAPI(NinjaAPI):
    """Ninja's API with the OpenAPI document cached and linked."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._schemas: dict[tuple[Any, ...], Any] = {}
        self._schemas_lock = threading.Lock()

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        key = (path_prefix, tuple(sorted((path_params or {}).items())), translation.get_language())
        with self._schemas_lock:
            if key not in self._schemas:
                schema = super().get_openapi_schema(
                    path_prefix=path_prefix, path_params=path_params
                )
                self._schemas[key] = add_links(schema)
            return self._schemas[key]  # shared: callers read it, never change it
