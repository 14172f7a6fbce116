"""Logins for people (the admin's and the dashboard's), throttled like the API's token endpoint."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from organizations import login_throttle


def throttled(view: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """A login view refused with 429 while the username or IP is locked out.

    Failures are counted by the `user_login_failed` receiver, whichever form authenticated.
    """

    @wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
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
        return view(request)

    return wrapper


@never_cache
@csrf_protect
@throttled
def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's own login view."""
    return admin.site.login(request)


# The dashboard's login page (dashboard/templates/registration/login.html), for every user.
login = throttled(LoginView.as_view())
