from typing import Any

from ninja import Schema

from perno.api.api import api


def test_the_openapi_document_is_built_once_and_links_created_records(client, user):
    assert api.get_openapi_schema(path_params={}) is api.get_openapi_schema(path_params={})
    schema = client.get("/api/v1/openapi.json").json()
    links = schema["paths"]["/api/v1/companies"]["post"]["responses"]["201"]["links"]
    targets = {link["operationId"]: link["parameters"] for link in links.values()}
    ids = {
        op["operationId"]
        for op in schema["paths"]["/api/v1/companies/{company_id}"].values()
        if isinstance(op, dict)
    }
    assert ids and set(targets) >= ids
    assert all(p == {"company_id": "$response.body#/id"} for p in targets.values())
    convert = schema["paths"]["/api/v1/leads"]["post"]["responses"]["201"]["links"]
    assert any("lead_convert" in name for name in convert)


def schema_classes(base: type[Any]) -> list[type[Any]]:
    found = []
    for sub in base.__subclasses__():
        found.append(sub)
        found.extend(schema_classes(sub))
    return found


def test_no_two_api_schemas_share_a_name():
    """The OpenAPI document names a component by its class name: two classes of one name
    became one component, and answers were checked against the other's fields."""
    api.get_openapi_schema(path_params={})  # every router imported
    by_name: dict[str, set[str]] = {}
    for cls in schema_classes(Schema):
        if cls.__module__.startswith("perno.api"):
            by_name.setdefault(cls.__name__, set()).add(f"{cls.__module__}.{cls.__qualname__}")
    assert {name: places for name, places in by_name.items() if len(places) > 1} == {}
