"""The REST API at /api/v1/ (OpenAPI at /api/v1/openapi.json)."""

from __future__ import annotations

from perno.api import errors
from perno.api.accounts.views import router as accounts_router
from perno.api.activities.views import router as activities_router
from perno.api.auth import AUTH
from perno.api.contacts.views import router as contacts_router
from perno.api.openapi import PernoAPI
from perno.api.parser import JsonParser
from perno.api.privacy.views import router as privacy_router
from perno.api.sales.views import router as sales_router
from perno.api.search.views import router as search_router

api = PernoAPI(
    title="Perno API",
    version="1",
    description="REST API of Perno CRM. Authenticate with `Authorization: Bearer <token>`. "
    'Errors are JSON: `{"message": ..., "errors": {field: [messages]}}`.',
    auth=AUTH,
    parser=JsonParser(),
    urls_namespace="api",
    docs_url="/docs",
)
errors.install(api)
api.add_router("", contacts_router)
api.add_router("", sales_router)
api.add_router("", activities_router)
api.add_router("", accounts_router)
api.add_router("", search_router)
api.add_router("", privacy_router)
