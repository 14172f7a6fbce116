"""Logins for people (the admin's and the dashboard's) and the admin's password change,
throttled like the API's token endpoint."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from organizations import login_throttle

View = Callable[[HttpRequest], HttpResponse]


def _refused(refused: login_throttle.LoginRefused) -> HttpResponse:
    return HttpResponse(
        f"{refused.detail} Try again in {refused.wait} second{'' if refused.wait == 1 else 's'}.",
        status=429,
        content_type="text/plain; charset=utf-8",
        headers={"Retry-After": str(refused.wait)},
    )


def _checked_as_attempt(view: View, request: HttpRequest, *, username: str) -> HttpResponse:
    """`view` run as one throttled attempt at `username`'s password.

    Each of these views redirects (302) after a POST only when the password matched.
    """
    try:
        with login_throttle.attempt(
            username=username, ip=login_throttle.client_ip(request)
        ) as attempt:
            response = view(request)
            attempt.succeeded = response.status_code == 302
    except login_throttle.LoginRefused as refused:
        return _refused(refused)
    return response


def throttled(view: View) -> View:
    """A login view whose POSTs are counted before the password is checked, and refused with
    429 while the username or IP is locked out or no hashing turn frees up."""

    @wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return view(request)
        return _checked_as_attempt(view, request, username=request.POST.get("username", ""))

    return wrapper


def throttled_password_change(view: View) -> View:
    """A password change whose old-password guesses count as failed logins of its user."""

    @wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or not request.user.is_authenticated:
            return view(request)  # the view itself sends anonymous people to the login
        return _checked_as_attempt(view, request, username=request.user.get_username())

    return wrapper


@never_cache
@csrf_protect
@throttled
def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's own login view."""
    return admin.site.login(request)


def admin_password_change(request: HttpRequest) -> HttpResponse:
    """The admin's own password change view, behind the admin's own staff check."""
    site = admin.site
    return site.admin_view(throttled_password_change(site.password_change))(request)


# The dashboard's login page (dashboard/templates/registration/login.html), for every user.
login = throttled(LoginView.as_view())
