"""The URL conf with views that fail, for the error page tests."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from perno.config.urls import handler400, handler403, handler404, handler500, urlpatterns

SECRET = "secret-detail-4711"


def fail(error: type[Exception]):
    def view(request):
        raise error(SECRET)

    return view


urlpatterns = [
    path("fail/400/", fail(SuspiciousOperation)),
    path("fail/403/", fail(PermissionDenied)),
    path("fail/500/", fail(RuntimeError)),
    path("api/v1/fail/500/", fail(RuntimeError)),
    *urlpatterns,
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
