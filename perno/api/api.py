"""The REST API at /api/v1/ (OpenAPI at /api/v1/openapi.json)."""

from __future__ import annotations

from perno.api import errors
from perno.api.accounts.views import router as accounts_router
from perno.api.activities.views import router as activities_router
from perno.api.auth import AUTH
from perno.api.bulk.views import router as bulk_router
from perno.api.cases.views import router as cases_router
from perno.api.contacts.views import router as contacts_router
from perno.api.duplicates.views import router as duplicates_router
from perno.api.health.views import router as health_router
from perno.api.imports.views import router as imports_router
from perno.api.knowledge.views import router as knowledge_router
from perno.api.mail.views import router as mail_router
from perno.api.merging.views import router as merging_router
from perno.api.openapi import PernoAPI
from perno.api.parser import JsonParser
from perno.api.privacy.views import router as privacy_router
from perno.api.sales.views import router as sales_router
from perno.api.search.views import router as search_router
from perno.api.sla.views import router as sla_router

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
api.add_router("", merging_router)
api.add_router("", duplicates_router)
api.add_router("", bulk_router)
api.add_router("", health_router)
api.add_router("", imports_router)
api.add_router("", cases_router)
api.add_router("", mail_router)
api.add_router("", knowledge_router)
api.add_router("", sla_router)
