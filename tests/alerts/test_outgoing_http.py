"""Outgoing HTTP: the address checked is the address reached, one deadline per call, and errors
that tell a customer nothing about what listens where.

Every server here is real and local: pytest-httpserver for HTTP, and plain sockets the tests
open for what is not HTTP (a closed port, a banner, silence, a server dripping bytes). Names are
resolved by a resolver the test hands over, as a DNS server under an attacker's control would
answer.
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from pytest_httpserver import HTTPServer

from alerts import tasks
from alerts.models import NotificationDelivery
from alerts.notify import http
from tests import factories

pytestmark = pytest.mark.django_db

CHANNELS_URL = "/api/v1/notifications/channels/"
PUBLIC_ADDRESS = "93.184.215.14"


@contextmanager
def tcp_server(handle: Callable[[socket.socket], None]) -> Iterator[tuple[int, list[str]]]:
    """A loopback TCP server running `handle` on each connection; yields its port and the
    addresses of the clients it accepted."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    accepted: list[str] = []
    connections: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, client = listener.accept()
            except TimeoutError:
                continue
            accepted.append(client[0])
            connections.append(connection)
            threading.Thread(target=_quietly, args=(handle, connection), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], accepted
    finally:
        stop.set()
        thread.join()
        listener.close()
        for connection in connections:
            connection.close()


def _quietly(handle: Callable[[socket.socket], None], connection: socket.socket) -> None:
    try:
        handle(connection)
    except OSError:
        pass  # the client went away: what these servers are for
    finally:
        connection.close()


def read_until_closed(connection: socket.socket) -> None:
    while connection.recv(65536):
        pass


def ssh_banner(connection: socket.socket) -> None:
    """Not HTTP: an SSH server's banner, and its answer to anything but SSH."""
    connection.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
    connection.recv(65536)
    connection.sendall(b"Invalid SSH identification string.\r\n")


def drip(connection: socket.socket) -> None:
    """A 200 whose headers come one byte every 0.2 s, 25 of them: 5 s in all."""
    connection.recv(65536)
    connection.sendall(b"HTTP/1.1 200 OK\r\nX-Drip: ")
    for _ in range(25):
        time.sleep(0.2)
        connection.sendall(b"a")
    connection.sendall(b"\r\nContent-Length: 0\r\n\r\n")


def closed_port() -> int:
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def rebinding(first: str, then: str, asked: list[str]) -> http.Resolver:
    """A resolver answering `first` once, then `then`: DNS rebinding with a zero TTL."""

    def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        return [first if len(asked) == 1 else then]

    return resolve


# --- DNS rebinding ------------------------------------------------------------------------------


def test_a_name_that_turns_to_loopback_after_the_check_never_reaches_the_listener(settings):
    settings.NOTIFY_ALLOW_PRIVATE_URLS = False
    asked: list[str] = []

    with tcp_server(read_until_closed) as (port, accepted):
        with pytest.raises(http.SendError) as refused:
            http.post(
                f"https://hooks.rebind.test:{port}/hook",
                content=b"{}",
                headers={},
                resolve=rebinding(PUBLIC_ADDRESS, "127.0.0.1", asked),
            )
        time.sleep(0.2)  # a connection on its way would be accepted by now

    assert asked == ["hooks.rebind.test", "hooks.rebind.test"]
    assert accepted == []
    assert str(refused.value) == "The endpoint could not be reached."


def test_the_connection_goes_to_the_checked_address_with_the_name_kept_in_the_host_header(
    settings, httpserver
):
    settings.NOTIFY_ALLOW_PRIVATE_URLS = True
    httpserver.expect_oneshot_request("/hook", method="POST").respond_with_data("ok")
    asked: list[str] = []

    http.post(
        f"http://hooks.example.test:{httpserver.port}/hook",
        content=b"{}",
        headers={},
        resolve=rebinding("127.0.0.1", "127.0.0.1", asked),
    )

    (request, _) = httpserver.log[0]
    assert request.headers["Host"] == f"hooks.example.test:{httpserver.port}"
    assert asked == ["hooks.example.test", "hooks.example.test"]


# --- private addresses written as IPv6 ----------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "::127.0.0.1",  # IPv4-compatible
        "::ffff:127.0.0.1",  # IPv4-mapped
        "64:ff9b::7f00:1",  # NAT64, 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64, 169.254.169.254 (cloud metadata)
        "64:ff9b:1::a00:1",  # local-use NAT64
        "2002:7f00:1::",  # 6to4 around 127.0.0.1
        "2002:a00:1::",  # 6to4 around 10.0.0.1
        "::10.1.2.3",  # IPv4-compatible, private
    ],
)
def test_private_addresses_written_as_ipv6_are_refused(settings, admin_client, address):
    settings.NOTIFY_ALLOW_PRIVATE_URLS = False
    payload = {
        "name": "Hooks",
        "kind": "webhook",
        "url": f"https://[{address}]/hook",
        "secret": factories.WEBHOOK_SECRET,
    }

    response = admin_client.post(CHANNELS_URL, payload, format="json")

    assert response.status_code == 400
    assert "resolves to a private address" in response.json()["url"][0]
    # The same forms around a public address still pass.
    for public in ("::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::"):
        assert http.is_public_address(public)


def test_refusing_a_name_does_not_say_which_private_address_it_has(settings, admin_client):
    settings.NOTIFY_ALLOW_PRIVATE_URLS = False
    payload = {
        "name": "Hooks",
        "kind": "webhook",
        "url": "https://localhost/hook",
        "secret": factories.WEBHOOK_SECRET,
    }

    response = admin_client.post(CHANNELS_URL, payload, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "url": [
            "The host localhost resolves to a private address: notifications only go to "
            "public addresses."
        ]
    }


def test_a_name_resolving_to_ipv6_around_loopback_at_connect_time_is_not_reached(settings):
    settings.NOTIFY_ALLOW_PRIVATE_URLS = False
    asked: list[str] = []

    with tcp_server(read_until_closed) as (port, accepted):
        with pytest.raises(http.SendError):
            http.post(
                f"https://hooks.rebind.test:{port}/hook",
                content=b"{}",
                headers={},
                resolve=rebinding(PUBLIC_ADDRESS, "::ffff:127.0.0.1", asked),
            )
        time.sleep(0.2)

    assert len(asked) == 2
    assert accepted == []


# --- one deadline per call ----------------------------------------------------------------------


def test_a_server_dripping_bytes_is_cut_at_the_deadline(settings, organization, template):
    settings.NOTIFY_ALLOW_PRIVATE_URLS = True
    settings.NOTIFY_TIMEOUT_SECONDS = 1

    with tcp_server(drip) as (port, _):
        channel = factories.NotificationChannelFactory(
            organization=organization, webhook=True, url=f"http://127.0.0.1:{port}/hook"
        )
        delivery = factories.NotificationDeliveryFactory(
            channel=channel, alert=factories.AlertFactory(template=template)
        )
        started = time.monotonic()
        tasks.attempt_delivery(delivery_id=delivery.pk)
        elapsed = time.monotonic() - started

    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == (
        "retrying",
        "The endpoint could not be reached.",
    )
    # A bound on behaviour: each byte comes well within 1 s, all of them take 5 s.
    assert elapsed < 2 * settings.NOTIFY_TIMEOUT_SECONDS


def test_a_slow_name_server_is_cut_at_the_deadline(settings):
    settings.NOTIFY_ALLOW_PRIVATE_URLS = True
    settings.NOTIFY_TIMEOUT_SECONDS = 1

    def slow_name_server(host: str, port: int) -> list[str]:
        time.sleep(3)
        return ["127.0.0.1"]

    started = time.monotonic()
    with pytest.raises(http.SendError) as refused:
        http.post(
            "http://hooks.example.test/hook", content=b"{}", headers={}, resolve=slow_name_server
        )

    assert time.monotonic() - started < 2 * settings.NOTIFY_TIMEOUT_SECONDS
    assert str(refused.value) == "The host hooks.example.test cannot be resolved."


# --- no port-scan oracle ------------------------------------------------------------------------


# Outside a test transaction, as a request runs: the send follows the commit at once.
@pytest.mark.django_db(transaction=True)
def test_the_test_endpoint_says_the_same_for_a_closed_port_a_banner_and_silence(
    settings, admin_client, organization, caplog
):
    settings.NOTIFY_ALLOW_PRIVATE_URLS = True
    # Long enough for the banner server's thread to be scheduled on a loaded machine: only the
    # silent server should run into it.
    settings.NOTIFY_TIMEOUT_SECONDS = 2

    def test_channel_at(port: int) -> dict:
        channel = factories.NotificationChannelFactory(
            organization=organization,
            webhook=True,
            name="Probe",
            url=f"http://127.0.0.1:{port}/hook",
        )
        response = admin_client.post(f"{CHANNELS_URL}{channel.pk}/test")
        assert response.status_code == 200
        return response.json()

    with caplog.at_level(logging.WARNING, logger="alerts.notify.http"):
        closed = test_channel_at(closed_port())
        with tcp_server(ssh_banner) as (port, _):
            banner = test_channel_at(port)
        with tcp_server(read_until_closed) as (port, _):
            silent = test_channel_at(port)

    said = "The test message did not reach Probe: The endpoint could not be reached."
    assert closed["detail"] == banner["detail"] == silent["detail"] == said
    errors = {answer["delivery"]["last_error"] for answer in (closed, banner, silent)}
    assert errors == {"The endpoint could not be reached."}
    # What happened stays in the server's log.
    logged = caplog.text
    assert "ConnectError" in logged
    assert "RemoteProtocolError" in logged
    assert "ReadTimeout" in logged
    assert NotificationDelivery.objects.filter(status="failed").count() == 3


# --- TLS keeps the name -------------------------------------------------------------------------


def certificate_authority(tmp_path, name: str) -> tuple[str, ssl.SSLContext]:
    """A CA written to a file a client can trust, and a server context with its certificate for
    `name`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.now(tz=UTC)

    def certificate(subject: str, key, issuer: str, signer, *, ca: bool) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key, server_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca = certificate("Test CA", ca_key, "Test CA", ca_key, ca=True)
    server = certificate(name, server_key, "Test CA", ca_key, ca=False)
    pem = serialization.Encoding.PEM
    ca_file, cert_file, key_file = tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"
    ca_file.write_bytes(ca.public_bytes(pem))
    cert_file.write_bytes(server.public_bytes(pem))
    key_file.write_bytes(
        server_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return str(ca_file), context


def test_tls_checks_the_urls_name_while_connecting_to_the_checked_address(
    settings, monkeypatch, tmp_path, caplog
):
    settings.NOTIFY_ALLOW_PRIVATE_URLS = True
    ca_file, context = certificate_authority(tmp_path, "hooks.example.test")
    monkeypatch.setenv("SSL_CERT_FILE", ca_file)
    names: list[str | None] = []
    context.sni_callback = lambda connection, name, context: names.append(name)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.expect_request("/hook", method="POST").respond_with_data("ok")
    server.start()
    to_loopback = rebinding("127.0.0.1", "127.0.0.1", [])

    try:
        http.post(
            f"https://hooks.example.test:{server.port}/hook",
            content=b"{}",
            headers={},
            resolve=to_loopback,
        )
        # The same server under a name its certificate does not carry: refused.
        with pytest.raises(http.SendError):
            http.post(
                f"https://other.example.test:{server.port}/hook",
                content=b"{}",
                headers={},
                resolve=lambda host, port: ["127.0.0.1"],
            )
    finally:
        server.stop()

    assert names == ["hooks.example.test", "other.example.test"]
    assert "certificate is not valid for 'other.example.test'" in caplog.text
    (request, _) = server.log[0]
    assert request.headers["Host"] == f"hooks.example.test:{server.port}"
    assert len(server.log) == 1
