"""The one way out for notifications over HTTP: checked URLs and addresses, one deadline per call.

A channel's URL is the customer's to choose, so before every call (and when the channel is
saved) it must be HTTPS and resolve only to public addresses: no request into our private
network through a customer's URL. `NOTIFY_ALLOW_PRIVATE_URLS` lifts both rules for local demos
and tests (its default follows DEBUG).

The host is resolved once more at connect time and the connection goes to an address that was
checked then, so a name that answers differently the second time (DNS rebinding) cannot lead
inside; TLS still verifies the certificate for the URL's host name. Every call, from connect to
the last byte read, must end within NOTIFY_TIMEOUT_SECONDS. What went wrong on the wire stays in
the server's log: the error a customer reads is the same whatever answered (or did not), so it
cannot serve to map ports.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx
from django.conf import settings

logger = logging.getLogger(__name__)

USER_AGENT = "PyTake-Notifications/1.0"

# What a customer reads when the endpoint did not answer over HTTP in time, whatever the cause.
UNREACHABLE = "The endpoint could not be reached."
# How much of a refusing endpoint's answer goes to the server's log.
LOGGED_BODY_BYTES = 500

# The host and port to resolve -> its addresses, as text.
Resolver = Callable[[str, int], list[str]]

# IPv6 ranges that carry an IPv4 address in their last 32 bits: what they reach is that address.
NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
# Local-use NAT64 (RFC 8215): translated inside someone's network, never a public destination.
NAT64_LOCAL_USE = ipaddress.ip_network("64:ff9b:1::/48")


class UnsafeURLError(ValueError):
    """The URL may not be called: not HTTPS, or not a public address."""


class SendError(Exception):
    """One attempt failed: no answer in time, unreachable, or not a 2xx answer."""


def resolve_host(host: str, port: int) -> list[str]:
    """The system resolver's addresses for `host`, in its order, each once."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public_address(address: str) -> bool:
    """Whether `address` is a public unicast address, also when written as IPv6 around IPv4.

    `::ffff:127.0.0.1`, `::127.0.0.1`, `64:ff9b::7f00:1` and `2002:7f00:1::` all reach
    127.0.0.1: they are judged by the IPv4 address they carry.
    """
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(
        address.split("%", 1)[0]
    )
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in NAT64_LOCAL_USE:
            return False
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None:
            ip = ip.sixtofour
        elif ip in NAT64_WELL_KNOWN or ip in IPV4_COMPATIBLE:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.is_global and not ip.is_multicast


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def _refused_addresses(addresses: Iterable[str], *, scheme: str) -> tuple[list[str], str]:
    """The addresses `scheme` may not reach, and why (empty when all may be reached)."""
    addresses = list(addresses)
    private = [a for a in addresses if not is_public_address(a)]
    if private and not settings.NOTIFY_ALLOW_PRIVATE_URLS:
        return private, "private"
    public = [a for a in addresses if a not in private]
    if scheme == "http" and public:
        return public, "public over plain HTTP"
    return [], ""


def check_url(url: str, *, resolve: Resolver = resolve_host) -> None:
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
        addresses = resolve(parts.hostname, port)
    except (OSError, UnicodeError, ValueError) as exc:
        raise UnsafeURLError(f"The host {parts.hostname} cannot be resolved.") from exc
    refused, why = _refused_addresses(addresses, scheme=parts.scheme)
    if why == "private":
        # The address only when the URL holds it already: what our resolver knows stays ours.
        shown = f" ({sorted(refused)[0]})" if _is_address(parts.hostname) else ""
        raise UnsafeURLError(
            f"The host {parts.hostname} resolves to a private address{shown}: "
            "notifications only go to public addresses."
        )
    if refused:
        raise UnsafeURLError("The URL must start with https:// unless it is a private address.")


def _resolving_by(deadline: float, resolve: Resolver) -> Resolver:
    """`resolve`, answering by `deadline` or raising TimeoutError.

    The system resolver takes no timeout: each lookup runs in a thread of its own, and one that
    a slow name server holds is left to finish alone.
    """

    def resolve_in_time(host: str, port: int) -> list[str]:
        answer: list[list[str]] = []
        failure: list[BaseException] = []

        def lookup() -> None:
            try:
                answer.append(resolve(host, port))
            except BaseException as exc:  # handed to the caller below
                failure.append(exc)

        thread = threading.Thread(target=lookup, name=f"resolve {host}", daemon=True)
        thread.start()
        thread.join(max(deadline - time.monotonic(), 0))
        if failure:
            raise failure[0]
        if not answer:
            raise TimeoutError(f"{host} was not resolved before the deadline.")
        return answer[0]

    return resolve_in_time


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read, write and handshake stops at one wall-clock deadline.

    httpcore's timeouts apply to each read: a server sending one byte at a time could hold a
    call for ever. Here each wait gets what is left of the call's time, at most.
    """

    def __init__(self, stream: httpcore.NetworkStream, *, deadline: float) -> None:
        self._stream = stream
        self._deadline = deadline

    def _left(self, timeout: float | None, error: type[Exception]) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise error("The call's deadline has passed.")
        return left if timeout is None else min(timeout, left)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        left = self._left(timeout, httpcore.ConnectTimeout)
        secured = self._stream.start_tls(ssl_context, server_hostname, left)
        return _DeadlineStream(secured, deadline=self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _CheckedNetwork(httpcore.NetworkBackend):
    """Resolves the host once, checks every address, and connects to a checked address.

    httpcore goes on to send the URL's host name in the Host header and in TLS (SNI and the
    certificate check): only the address it connects to is chosen here.
    """

    def __init__(self, *, scheme: str, resolve: Resolver, deadline: float) -> None:
        self._scheme = scheme
        self._resolve = resolve
        self._deadline = deadline
        self._system = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = self._resolve(host, port)
        except (OSError, UnicodeError, ValueError) as exc:
            raise httpcore.ConnectError(f"{host} cannot be resolved: {exc}") from exc
        if not addresses:
            raise httpcore.ConnectError(f"{host} resolves to no address.")
        refused, why = _refused_addresses(addresses, scheme=self._scheme)
        if refused:
            raise httpcore.ConnectError(
                f"{host} resolved at connect time to {', '.join(refused)}, which is {why}: "
                "not connecting."
            )
        failure: Exception | None = None
        for address in addresses:
            left = self._deadline - time.monotonic()
            if left <= 0:
                raise httpcore.ConnectTimeout(f"No connection to {host} before the deadline.")
            try:
                stream = self._system.connect_tcp(
                    address,
                    port,
                    timeout=left if timeout is None else min(timeout, left),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            return _DeadlineStream(stream, deadline=self._deadline)
        assert failure is not None
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("Notifications never go to a Unix socket.")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _CheckedTransport(httpx.HTTPTransport):
    """httpx's own transport, with the connection pool connecting through `_CheckedNetwork`."""

    def __init__(self, *, network: _CheckedNetwork) -> None:
        tls = httpx.create_ssl_context()  # certifi's roots, or SSL_CERT_FILE's, as httpx does
        super().__init__(verify=tls, trust_env=False)
        # httpx takes no network backend of its own: its pool is built again around ours.
        self._pool = httpcore.ConnectionPool(
            ssl_context=tls, max_connections=1, network_backend=network
        )


def post(
    url: str,
    *,
    content: bytes,
    headers: Mapping[str, str],
    resolve: Resolver = resolve_host,
) -> None:
    """POST `content` to `url`; raise `SendError` unless it answers 2xx before the deadline.

    Redirects are not followed: a 3xx is a failure, so a URL cannot bounce us to another host.
    """
    timeout = settings.NOTIFY_TIMEOUT_SECONDS
    deadline = time.monotonic() + timeout
    resolve = _resolving_by(deadline, resolve)
    try:
        check_url(url, resolve=resolve)
    except UnsafeURLError as exc:
        raise SendError(str(exc)) from exc
    parts = urlsplit(url)
    network = _CheckedNetwork(scheme=parts.scheme, resolve=resolve, deadline=deadline)
    try:
        with (
            httpx.Client(
                transport=_CheckedTransport(network=network),
                timeout=timeout,
                follow_redirects=False,
                trust_env=False,
            ) as client,
            client.stream(
                "POST",
                url,
                content=content,
                headers={"User-Agent": USER_AGENT, "Content-Type": "application/json", **headers},
            ) as response,
        ):
            if response.is_success:
                return
            status, answer = response.status_code, _start_of(response)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        logger.warning(
            "Notification to %s failed (deadline %gs): %s: %s",
            parts.hostname,
            timeout,
            type(exc).__name__,
            exc,
        )
        raise SendError(UNREACHABLE) from exc
    logger.warning("Notification to %s answered %s: %r", parts.hostname, status, answer)
    raise SendError(f"The endpoint answered {status}.")


def _start_of(response: httpx.Response) -> bytes:
    """The first bytes of the answer, for the log; the rest is never read."""
    start = b""
    try:
        for chunk in response.iter_raw():
            start += chunk
            if len(start) >= LOGGED_BODY_BYTES:
                break
    except httpx.HTTPError as exc:
        start += f" (then {type(exc).__name__})".encode()
    return start[:LOGGED_BODY_BYTES]
