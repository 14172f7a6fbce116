import json
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from templates_app.graph_stand_in import DailyCount, GraphStandIn, parse_query
from templates_app.meta.graph import graph_template
from templates_app.models import BusinessAccount, PhoneNumber, TemplateStatus
from templates_app.services.accounts import store_access_token

DEMO_TOKEN = "demo-graph-token"


class Command(BaseCommand):
    help = (
        "Serve a local stand-in for Meta's Graph API (message_templates, template_analytics, "
        "the WABA itself) in Meta's shapes, from this database's templates or a JSON file "
        '{"<waba_id>": [<templates as Meta lists them>]}, re-read on every request so edits '
        "show at the next sync. Point GRAPH_API_BASE_URL at it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8100, help="0 picks a free port.")
        parser.add_argument("--file", type=Path, help="Serve the templates of this JSON file.")
        parser.add_argument(
            "--dump", type=Path, help="Write the database's templates to this file and exit."
        )
        parser.add_argument("--token", default=DEMO_TOKEN, help="The access token it accepts.")
        parser.add_argument(
            "--falling-read-rate",
            metavar="NAME",
            help="Serve daily counts whose read rate falls from 62%% to 31%% over the last 3 "
            "days for the template of this name (the others hold steady at 62%%).",
        )
        parser.add_argument(
            "--store-token",
            action="store_true",
            help="Store --token on every account served, so 'Sync now' works at once.",
        )
        parser.add_argument(
            "--block",
            action="append",
            default=[],
            metavar="ID",
            help="Answer BLOCKED to Meta's health check for this WABA or phone number id "
            "(repeatable), with a payment-method error and Meta's possible solution.",
        )

    def handle(
        self, *args, host, port, file, dump, token, store_token, block, falling_read_rate, **options
    ) -> None:
        if dump:
            dump.write_text(json.dumps(templates_from_database(), indent=2) + "\n")
            self.stdout.write(self.style.SUCCESS(f"Wrote {dump}; serve it with --file {dump}."))
            return
        if file and not file.exists():
            raise CommandError(f"No such file: {file}")
        stand_in = GraphStandIn(access_token=token)
        load = (lambda: json.loads(file.read_text())) if file else templates_from_database
        stand_in.templates = load()
        stand_in.numbers = numbers_from_database()
        for node_id in block:
            stand_in.block(
                node_id, entity_type="PHONE_NUMBER" if node_id in stand_in.numbers else "WABA"
            )
        stand_in.daily_counts = daily_counts_of(stand_in.templates, falling=falling_read_rate)
        if store_token:
            for account in BusinessAccount.objects.filter(
                waba_id__in=list(stand_in.templates), released_at__isnull=True
            ):
                store_access_token(account=account, access_token=token)
        server = make_server(host, port, stand_in, load)
        address = stand_in.base_url
        self.stdout.write(
            f"Graph API stand-in on {address}/{settings.GRAPH_API_VERSION}/ serving WABAs "
            f"{', '.join(stand_in.templates) or 'none'}.\n"
            f"Run PyTake with GRAPH_API_BASE_URL={address}; the token it accepts is {token!r}."
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()


def templates_from_database() -> dict[str, list[dict[str, Any]]]:
    """Every live account's templates, as Meta would list them."""
    served: dict[str, list[dict[str, Any]]] = {}
    for account in BusinessAccount.objects.filter(released_at__isnull=True).order_by("waba_id"):
        templates = account.templates.filter(
            deleted_at__isnull=True, meta_template_id__isnull=False
        ).exclude(status=TemplateStatus.DELETED)
        served[account.waba_id] = [
            graph_template(
                meta_template_id=template.meta_template_id,
                name=template.name,
                language=template.language,
                status=template.status,
                category=template.category,
                quality=template.quality_score,
                components=template.components or {},
            )
            for template in templates.order_by("name", "language")
        ]
    return served


def numbers_from_database() -> dict[str, dict[str, Any]]:
    """Every live account's phone numbers as Meta shows them (CONNECTED and GREEN when we know
    nothing yet)."""
    return {
        number.phone_number_id: {
            "quality_rating": number.quality_rating or "GREEN",
            "messaging_limit_tier": number.messaging_limit or "TIER_10K",
            "status": number.status or "CONNECTED",
            "name_status": number.name_status or "APPROVED",
            "throughput": {"level": number.throughput_level or "STANDARD"},
        }
        for number in PhoneNumber.objects.filter(business_account__released_at__isnull=True)
    }


def daily_counts_of(
    served: dict[str, list[dict[str, Any]]], *, falling: str | None
) -> dict[str, list[DailyCount]]:
    """31 days of counts per template: 200 sent a day, 62% read, 18 button clicks; the one
    named `falling` read at 31% over the last 3 days."""
    counts = {}
    for templates in served.values():
        for template in templates:
            fall = template.get("name") == falling
            counts[str(template["id"])] = [
                (days_ago, 200, 196, 61 if fall and days_ago < 3 else 122, 18)
                for days_ago in range(31)
            ]
    return counts


def make_server(
    host: str, port: int, stand_in: GraphStandIn, load: Callable[[], dict[str, Any]]
) -> ThreadingHTTPServer:
    """An HTTP server answering from `stand_in`, its templates reloaded by `load` each time."""
    server = _Server((host, port), _handler(stand_in, load))
    stand_in.base_url = f"http://{host}:{server.server_address[1]}"
    return server


class _Server(ThreadingHTTPServer):
    # A client asking many things at once must not find the listen queue full.
    request_queue_size = 128


def _handler(stand_in: GraphStandIn, load) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # Keep-alive, as Meta's servers: a client reuses its connections.
        protocol_version = "HTTP/1.1"
        # Headers and body are two writes: Nagle's algorithm would hold the body for an ACK.
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            try:
                stand_in.templates = load()
            except (OSError, ValueError) as exc:
                self._send(500, {"error": {"message": f"Cannot read templates: {exc}", "code": 1}})
                return
            url = urlsplit(self.path)
            answer = stand_in.respond(
                path=url.path,
                query=parse_query(url.query),
                authorization=self.headers.get("Authorization", ""),
                method=self.command,
            )
            self._send(answer.status, answer.body, answer.headers)

        # Meta's unpause: `POST /{version}/{template_id}/unpause`.
        do_POST = do_GET

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            # The request line only: no headers, so never the Authorization header.
            pass

    return Handler
