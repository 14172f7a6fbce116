"""The admin's login, throttled like the API's token endpoint."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from organizations import login_throttle


@never_cache
@csrf_protect
def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's own login view, refused with 429 while the username or IP is locked out."""
    if request.method == "POST":
        wait = login_throttle.seconds_locked_out(
            username=request.POST.get("username", ""), ip=login_throttle.client_ip(request)
        )
        if wait:
            return HttpResponse(
                f"Too many failed logins for this username or from this address. "
                f"Try again in {wait} seconds.",
                status=429,
                content_type="text/plain; charset=utf-8",
                headers={"Retry-After": str(wait)},
            )
    return admin.site.login(request)
