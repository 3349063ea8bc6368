from typing import Any

from django.conf import settings
from django.urls import include, path

from perno.api.api import api

urlpatterns: list[Any] = [
    path("", include("perno.web.urls")),
    path("", include("perno.web.accounts.urls")),
    path("", include("perno.web.contacts.urls")),
    path("", include("perno.web.sales.urls")),
    path("", include("perno.web.activities.urls")),
    path("", include("perno.web.search.urls")),
    path("", include("perno.web.privacy.urls")),
    path("", include("perno.web.analytics.urls")),
    path("", include("perno.web.marketing.urls")),
    path("", include("perno.web.merging.urls")),
    path("", include("perno.web.duplicates.urls")),
    path("", include("perno.web.health.urls")),
    path("", include("perno.web.imports.urls")),
    path("", include("perno.web.cases.urls")),
    path("", include("perno.web.mail.urls")),
    path("", include("perno.web.knowledge.urls")),
    path("", include("perno.web.sla.urls")),
    path("api/v1/", api.urls),
]

# Styled error pages in the user's language; JSON in the API's format under /api/.
handler400 = "perno.web.errors.bad_request"
handler403 = "perno.web.errors.permission_denied"
handler404 = "perno.web.errors.page_not_found"
handler500 = "perno.web.errors.server_error"

if settings.DEBUG:  # pragma: no cover
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
