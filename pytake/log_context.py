"""What a log line is about: the request, the organization and the webhook delivery.

Context variables, so every line logged while a request (or a task) handles a delivery carries
them without each call passing them on; `pytake.log_format.JsonFormatter` writes them out.
asgiref copies them into the threads that run sync code under ASGI, and back.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is kept only when it cannot forge a log line or smuggle anything into one.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
organization_id: ContextVar[str | None] = ContextVar("organization_id", default=None)
delivery_id: ContextVar[int | None] = ContextVar("delivery_id", default=None)


def current() -> dict[str, Any]:
    """The context of the line being logged, only what applies."""
    values = {
        "request_id": request_id.get(),
        "organization": organization_id.get(),
        "delivery_id": delivery_id.get(),
    }
    return {name: value for name, value in values.items() if value is not None}


def set_delivery(pk: int) -> None:
    """The rest of this request (or task) is about delivery `pk`."""
    delivery_id.set(pk)


@contextmanager
def bound(*, delivery: int | None = None, organization: object | None = None) -> Iterator[None]:
    """Lines logged inside are about this delivery and/or organization; restored on exit."""
    tokens = []
    if delivery is not None:
        tokens.append((delivery_id, delivery_id.set(delivery)))
    if organization is not None:
        tokens.append((organization_id, organization_id.set(str(organization))))
    try:
        yield
    finally:
        for variable, token in reversed(tokens):
            variable.reset(token)


def request_id_for(request: HttpRequest) -> str:
    """The caller's X-Request-ID when it is safe to log, else a new one."""
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    return offered if SAFE_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex


def forget_request(**kwargs: Any) -> None:
    """The response is closed: what is logged next in this context is about no request."""
    request_id.set(None)
    organization_id.set(None)
    delivery_id.set(None)


class RequestContextMiddleware:
    """Give each request an id (echoed in X-Request-ID) and a clean log context.

    The context outlives the middleware: Django logs a 4xx or 5xx (and Uvicorn its access
    line) after the middleware returns, and those lines belong to the request too. It is
    cleared when the response is closed (`request_finished`), so a thread that serves one
    request after another, or runs tasks afterwards, never logs under a finished request.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response
        request_finished.connect(forget_request, dispatch_uid="pytake.log_context.forget")
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.async_mode:
            return self.__acall__(request)
        self._begin(request)
        return self._echo(request, self.get_response(request))

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        self._begin(request)
        return self._echo(request, await self.get_response(request))

    @staticmethod
    def _begin(request: HttpRequest) -> None:
        request.request_id = request_id_for(request)
        request_id.set(request.request_id)
        organization_id.set(None)
        delivery_id.set(None)

    @staticmethod
    def _echo(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        response[REQUEST_ID_HEADER] = request.request_id
        # What is logged after the view (Django's 4xx/5xx line, the access line) names the
        # caller's organization: the user a session or an API token authenticated, if the
        # request looked one up (never a query of its own for it).
        user = request.__dict__.get("user")
        if isinstance(user, SimpleLazyObject):
            user = None if user._wrapped is empty else user._wrapped
        organization = getattr(user, "organization_id", None)
        if organization is not None and organization_id.get() is None:
            organization_id.set(str(organization))
        return response
