"""The project's URLs plus one view that fails, for the error-report tests (PYTAKE_URLCONF)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from pytake.urls import urlpatterns as project_urlpatterns


class DeliberateFailure(RuntimeError):
    pass


@csrf_exempt
def fail(request: HttpRequest) -> HttpResponse:
    raise DeliberateFailure("the view failed on purpose")


urlpatterns = [path("test-failure", fail), *project_urlpatterns]
