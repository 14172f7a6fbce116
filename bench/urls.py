"""The project's URLs plus a bare view, for `python -m bench load` only.

The bench's server loads this module through PYTAKE_URLCONF; production never names it, so it
never serves the bare view.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from pytake.urls import handler404, handler500
from pytake.urls import urlpatterns as project_urlpatterns

BARE_PATH = "bench/bare"


@csrf_exempt
def bare(request: HttpRequest) -> HttpResponse:
    """200 and no work: what the server and the middleware cost on their own."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path(BARE_PATH, bare), *project_urlpatterns]

__all__ = ["handler404", "handler500", "urlpatterns"]
