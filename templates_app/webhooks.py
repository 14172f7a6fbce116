"""Meta's webhook endpoint: the subscription handshake and signed template deliveries."""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from templates_app import tasks
from templates_app.changes import EFFECTS
from templates_app.meta import (
    SIGNATURE_HEADER,
    MetaPayloadError,
    parse_delivery_body,
    signature_is_valid,
)
from templates_app.models import WebhookDelivery
from templates_app.services import deliveries
from templates_app.services.state_machine import Result

logger = logging.getLogger(__name__)

ERROR = inline_serializer("WebhookError", fields={"detail": serializers.CharField()})
ACCEPTED = inline_serializer(
    "WebhookAccepted",
    fields={
        "delivery": serializers.IntegerField(
            allow_null=True, help_text="null for an ignored field when WEBHOOK_KEEP_IGNORED=false"
        ),
        "status": serializers.CharField(
            help_text="processed, ignored (nothing PyTake follows), or received (queued for a "
            "worker: the counts are then 0)"
        ),
        "changes": serializers.IntegerField(
            help_text="Changes of the delivery applied to a template (status, quality, category, "
            "components...)."
        ),
        "campaigns_paused": serializers.IntegerField(help_text="Campaigns the delivery paused."),
        "alerts_raised": serializers.IntegerField(
            help_text="Alerts opened for the templates it changed."
        ),
    },
)


def _answer(delivery: WebhookDelivery | None) -> Response:
    """What Meta (and a person replaying a delivery) reads: the delivery and what it did."""
    if delivery is None:
        return Response({"delivery": None, "status": "ignored", **NOTHING_DONE})
    return Response({"delivery": delivery.pk, "status": delivery.status, **_effects(delivery)})


NOTHING_DONE = {"changes": 0, "campaigns_paused": 0, "alerts_raised": 0}


def _effects(delivery: WebhookDelivery) -> dict[str, int]:
    """What the delivery did: its changes applied, and what the reactions to them did, as its
    latest attempt recorded it (a copy Meta sends again is answered with the original's)."""
    applied = [
        outcome for outcome in delivery.outcomes or [] if outcome.get("result") == Result.APPLIED
    ]
    if delivery.status != WebhookDelivery.Status.PROCESSED or not applied:
        return NOTHING_DONE
    attempt = (delivery.history or [{}])[-1]
    return {"changes": len(applied), **{name: attempt.get(name, 0) for name in EFFECTS}}


def _error(message: str, status_code: int) -> Response:
    return Response({"detail": message}, status=status_code)


def _log_outcome(delivery: WebhookDelivery) -> None:
    # One line a delivery, the operator's sign that Meta's deliveries arrive.
    logger.info("Webhook delivery %s: %s", delivery.pk, delivery.get_status_display().lower())


class WhatsAppWebhookView(APIView):
    """Meta calls this; nobody logs in. The signature on the raw body is the authentication."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["webhook"],
        parameters=[
            OpenApiParameter("hub.mode", str, required=True),
            OpenApiParameter("hub.verify_token", str, required=True),
            OpenApiParameter("hub.challenge", str, required=True),
        ],
        responses={
            (200, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="The challenge"),
            403: ERROR,
        },
    )
    def get(self, request: Request) -> HttpResponse:
        """Meta's subscription handshake: echo the challenge when the verify token matches."""
        expected = settings.WHATSAPP_WEBHOOK_VERIFY_TOKEN
        token = request.query_params.get("hub.verify_token", "")
        if (
            not expected
            or request.query_params.get("hub.mode") != "subscribe"
            or not hmac.compare_digest(token.encode(), expected.encode())
        ):
            return _error("Verification failed.", status.HTTP_403_FORBIDDEN)
        challenge = request.query_params.get("hub.challenge", "")
        return HttpResponse(challenge, content_type="text/plain")

    @extend_schema(
        tags=["webhook"],
        request={"application/json": OpenApiTypes.OBJECT},
        parameters=[OpenApiParameter(SIGNATURE_HEADER, str, OpenApiParameter.HEADER, True)],
        responses={
            200: ACCEPTED,
            400: ERROR,
            403: ERROR,
            413: ERROR,
            500: ERROR,
            503: ERROR,
        },
    )
    def post(self, request: Request) -> Response:
        """A signed delivery: read, stored, then each change applied."""
        app_secret = settings.WHATSAPP_WEBHOOK_APP_SECRET
        if not app_secret:
            return _error(
                "The webhook app secret is not configured; unsigned data is refused.",
                status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        limit = settings.WHATSAPP_WEBHOOK_MAX_BODY_BYTES
        too_large = _error(
            f"Request body exceeds {limit} bytes.", status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
        )
        try:
            declared_length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared_length = 0
        if declared_length > limit:
            return too_large
        body = request.body
        if len(body) > limit:
            return too_large
        # During a rotation of Meta's app secret, what the previous one signed is still Meta's.
        app_secrets = (app_secret, settings.WHATSAPP_WEBHOOK_APP_SECRET_PREVIOUS)
        signature = request.headers.get(SIGNATURE_HEADER)
        if not any(
            signature_is_valid(body, header_value=signature, app_secret=secret)
            for secret in app_secrets
        ):
            return _error("Missing or invalid X-Hub-Signature-256.", status.HTTP_403_FORBIDDEN)
        try:
            parsed = parse_delivery_body(body)  # pure: nothing is stored or lost by reading first
        except MetaPayloadError as exc:
            # Whatever Meta signed is kept, even what cannot be read.
            delivery, _ = deliveries.store_delivery(body=body, headers=request.headers)
            deliveries.reject_delivery(delivery=delivery, reason=str(exc))
            return _error(str(exc), status.HTTP_400_BAD_REQUEST)
        if parsed.only_unhandled_fields:
            kept = deliveries.keep_unhandled_delivery(
                body=body, headers=request.headers, parsed=parsed
            )
            if kept is not None:
                _log_outcome(kept)
            return _answer(kept)
        if settings.WEBHOOK_PROCESSING == "async":
            # Acknowledged once stored: Meta's retries are not needed for what a worker applies.
            with transaction.atomic():
                delivery, _ = deliveries.store_delivery(body=body, headers=request.headers)
                if delivery.status in deliveries.WAITING_STATUSES:
                    tasks.enqueue_with_delivery(delivery)
            logger.info(
                "Webhook delivery %s: %s", delivery.pk, delivery.get_status_display().lower()
            )
            return _answer(delivery)
        delivery = deliveries.store_and_process(body=body, headers=request.headers, parsed=parsed)
        _log_outcome(delivery)
        if delivery.status == WebhookDelivery.Status.FAILED:
            # 500 makes Meta retry; the delivery stays stored with its error meanwhile.
            return _error(
                f"Delivery {delivery.pk} could not be processed; it is kept for retry.",
                status.HTTP_500_INTERNAL_SERVER_ERROR,
            )
        return _answer(delivery)
