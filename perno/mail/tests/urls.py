"""The site's URLs plus the case page's route name, for tests run before the case pages
exist: a case links to ``cases:case_detail`` (its search entry, the timeline)."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from perno.config.urls import urlpatterns as site


def case_page(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(str(pk))


urlpatterns = [
    path("", include(([path("cases/<int:pk>/", case_page, name="case_detail")], "cases"))),
    *site,
]
