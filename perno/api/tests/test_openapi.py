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
