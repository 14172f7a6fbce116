"""Meta's Graph API for tests: the repo's stand-in, served by a real local HTTP server."""

from __future__ import annotations

import json
import re

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from templates_app.graph_stand_in import GraphStandIn, parse_query

GRAPH_VERSION = "v23.0"
GRAPH_TOKEN = "EAAGsecret-system-user-token-0123456789"


def serve_stand_in(httpserver: HTTPServer, stand_in: GraphStandIn) -> GraphStandIn:
    """Answer every Graph request `httpserver` receives from `stand_in`."""

    def handle(request: Request) -> Response:
        answer = stand_in.respond(
            path=request.path,
            query=parse_query(request.query_string.decode()),
            authorization=request.headers.get("Authorization", ""),
            method=request.method,
        )
        return Response(
            json.dumps(answer.body),
            status=answer.status,
            headers=answer.headers,
            content_type="application/json",
        )

    httpserver.expect_request(re.compile(f"^/{GRAPH_VERSION}/")).respond_with_handler(handle)
    return stand_in
