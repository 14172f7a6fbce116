"""The one way out for notifications over HTTP: checked URLs, short timeouts, no redirects.

A channel's URL is the customer's to choose, so before every call (and when the channel is
saved) it must be HTTPS and resolve only to public addresses: no request into our private
network through a customer's URL. `NOTIFY_ALLOW_PRIVATE_URLS` lifts both rules for local demos
and tests (its default follows DEBUG).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from urllib.parse import urlsplit

import httpx
from django.conf import settings

USER_AGENT = "PyTake-Notifications/1.0"


class UnsafeURLError(ValueError):
    """The URL may not be called: not HTTPS, or not a public address."""


class SendError(Exception):
    """One attempt failed: no answer in time, unreachable, or not a 2xx answer."""


def check_url(url: str) -> None:
    """Raise `UnsafeURLError` unless `url` may be called now.

    HTTPS to public addresses always; with NOTIFY_ALLOW_PRIVATE_URLS also private and loopback
    addresses, over plain HTTP too. Plain HTTP to a public address never.
    """
    parts = urlsplit(url)
    allow_private = settings.NOTIFY_ALLOW_PRIVATE_URLS
    if parts.scheme not in ("https", "http") or (parts.scheme == "http" and not allow_private):
        raise UnsafeURLError("The URL must start with https://.")
    if not parts.hostname:
        raise UnsafeURLError("The URL has no host.")
    if allow_private and parts.scheme == "https":
        return  # any address will do
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port)}
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        raise UnsafeURLError(f"The host {parts.hostname} cannot be resolved.") from exc
    private = sorted(a for a in addresses if not ipaddress.ip_address(a.split("%")[0]).is_global)
    if private and not allow_private:
        raise UnsafeURLError(
            f"The host {parts.hostname} resolves to a private address ({private[0]}): "
            "notifications only go to public addresses."
        )
    if parts.scheme == "http" and len(private) < len(addresses):
        raise UnsafeURLError("The URL must start with https:// unless it is a private address.")


def post(url: str, *, content: bytes, headers: Mapping[str, str]) -> httpx.Response:
    """POST `content` to `url`; raise `SendError` unless it answers 2xx in time.

    Redirects are not followed: a 3xx is a failure, so a URL cannot bounce us to another host.
    """
    try:
        check_url(url)
    except UnsafeURLError as exc:
        raise SendError(str(exc)) from exc
    timeout = settings.NOTIFY_TIMEOUT_SECONDS
    host = urlsplit(url).hostname
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            response = client.post(
                url,
                content=content,
                headers={"User-Agent": USER_AGENT, "Content-Type": "application/json", **headers},
            )
    except httpx.TimeoutException as exc:
        raise SendError(f"{host} did not answer within {timeout:g} seconds.") from exc
    except httpx.HTTPError as exc:
        raise SendError(f"Could not reach {host}: {exc}") from exc
    if not response.is_success:
        raise SendError(f"{host} answered {response.status_code}: {response.text[:200]}")
    return response
