"""Can it send? One verdict per business account and per phone number, for the caller's
organization: `GET /api/v1/whatsapp/accounts/{id}/health` and `GET /api/v1/whatsapp/health`."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pytake.api.schema import NOT_FOUND, UNAUTHENTICATED
from templates_app import selectors
from templates_app.api.views import BusinessAccountMixin
from templates_app.sending_path_health import account_health, organization_health

VERDICTS = ["yes", "limited", "no"]


class RestrictionSerializer(serializers.Serializer):
    restriction_type = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)
    sentence = serializers.CharField()


class NumberHealthSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    phone_number_id = serializers.CharField()
    display_phone_number = serializers.CharField()
    can_send = serializers.ChoiceField(VERDICTS)
    why = serializers.CharField(
        help_text='Why, as one text: its reasons together ("It can send." when it can); the same '
        "words as the dashboard, the admin and the notifications."
    )
    action_required = serializers.CharField(
        allow_blank=True, help_text='What to do, as one text; "" when nothing is to be done.'
    )
    reasons = serializers.ListField(child=serializers.CharField())
    what_to_do = serializers.ListField(child=serializers.CharField())
    status = serializers.CharField(allow_null=True, help_text="CONNECTED, FLAGGED, …")
    status_changed_at = serializers.DateTimeField(allow_null=True)
    quality_rating = serializers.CharField(allow_null=True, help_text="GREEN, YELLOW, RED")
    quality_changed_at = serializers.DateTimeField(allow_null=True)
    messaging_limit = serializers.CharField(allow_null=True, help_text="TIER_250 … TIER_UNLIMITED")
    messaging_limit_words = serializers.CharField(allow_null=True)
    throughput_level = serializers.CharField(allow_null=True)
    limit_changed_at = serializers.DateTimeField(allow_null=True)
    name_status = serializers.CharField(allow_null=True)
    meta_can_send_message = serializers.CharField(
        allow_null=True, help_text="Meta's last health answer: AVAILABLE, LIMITED or BLOCKED."
    )
    health_checked_at = serializers.DateTimeField(allow_null=True)


class AccountHealthSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    waba_id = serializers.CharField()
    can_send = serializers.ChoiceField(VERDICTS)
    why = serializers.CharField(
        help_text='Why, as one text: its reasons together ("It can send." when it can); the same '
        "words as the dashboard, the admin and the notifications."
    )
    action_required = serializers.CharField(
        allow_blank=True, help_text='What to do, as one text; "" when nothing is to be done.'
    )
    reasons = serializers.ListField(child=serializers.CharField())
    what_to_do = serializers.ListField(child=serializers.CharField())
    review_decision = serializers.CharField(allow_null=True)
    ban_state = serializers.CharField(allow_null=True)
    ban_date = serializers.DateField(allow_null=True)
    restrictions = RestrictionSerializer(many=True, help_text="Those in force now.")
    violations = serializers.ListField(child=serializers.DictField())
    max_daily_conversations = serializers.IntegerField(allow_null=True)
    meta_can_send_message = serializers.CharField(allow_null=True)
    health_checked_at = serializers.DateTimeField(allow_null=True)
    phone_numbers = NumberHealthSerializer(many=True)


class OrganizationHealthSerializer(serializers.Serializer):
    can_send = serializers.ChoiceField(VERDICTS, help_text="The worst verdict of all accounts.")
    accounts = AccountHealthSerializer(many=True)
    timestamp = serializers.DateTimeField()


ACCOUNT_EXAMPLE = {
    "id": "8f0c6a2e-1d7b-4a51-9a55-0c1f1f3b2a10",
    "name": "Acme Shop",
    "waba_id": "102290129340398",
    "can_send": "no",
    "why": "Meta restricted this account from starting conversations until 12 Jan 2027, 14:00 UTC.",
    "action_required": "Wait for the restriction to end; campaigns resume if they opted in.",
    "reasons": [
        "Meta restricted this account from starting conversations until 12 Jan 2027, 14:00 UTC."
    ],
    "what_to_do": ["Wait for the restriction to end; campaigns resume if they opted in."],
    "review_decision": "APPROVED",
    "ban_state": None,
    "ban_date": None,
    "restrictions": [
        {
            "restriction_type": "RESTRICTED_BIZ_INITIATED_MESSAGING",
            "expires_at": "2027-01-12T14:00:00+00:00",
            "sentence": "Meta restricted this account from starting conversations until "
            "12 Jan 2027, 14:00 UTC.",
        }
    ],
    "violations": [],
    "max_daily_conversations": 2000,
    "meta_can_send_message": "AVAILABLE",
    "health_checked_at": "2026-12-04T16:00:00+00:00",
    "phone_numbers": [
        {
            "id": "1b3e0f1c-2f6e-4c55-8f0e-7d9a3a1e8c21",
            "phone_number_id": "106540352242922",
            "display_phone_number": "+1 555 000 1111",
            "can_send": "no",
            "why": "Its business account cannot send. "
            "Meta flagged number +1 555 000 1111 for low quality.",
            "action_required": "Fix the number's quality within 7 days or its messaging limit "
            "drops.",
            "reasons": [
                "Its business account cannot send.",
                "Meta flagged number +1 555 000 1111 for low quality.",
            ],
            "what_to_do": ["Fix the number's quality within 7 days or its messaging limit drops."],
            "status": "FLAGGED",
            "status_changed_at": "2026-12-04T12:00:00+00:00",
            "quality_rating": "YELLOW",
            "quality_changed_at": "2026-12-04T16:00:00+00:00",
            "messaging_limit": "TIER_10K",
            "messaging_limit_words": "10,000 conversations a day",
            "throughput_level": None,
            "limit_changed_at": "2026-12-04T12:00:00+00:00",
            "name_status": "APPROVED",
            "meta_can_send_message": "LIMITED",
            "health_checked_at": "2026-12-04T16:00:00+00:00",
        }
    ],
}


@extend_schema(tags=["whatsapp"])
class BusinessAccountHealthView(BusinessAccountMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="v1_whatsapp_account_health",
        responses={
            200: OpenApiResponse(
                AccountHealthSerializer,
                description="Can the account and each of its numbers send? `yes`, `limited` or "
                "`no`, with the reasons and what to do in sentences, from Meta's webhooks and "
                "its last health answer.",
                examples=[OpenApiExample("A restricted account", ACCOUNT_EXAMPLE)],
            ),
            401: UNAUTHENTICATED,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, account_id) -> Response:
        account = self.get_account()
        return Response(AccountHealthSerializer(account_health(account)).data)


@extend_schema(tags=["whatsapp"])
class OrganizationHealthView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="v1_whatsapp_health",
        responses={
            200: OpenApiResponse(
                OrganizationHealthSerializer,
                description="Every business account of the organization with its verdict, and "
                "the worst verdict of all.",
                examples=[
                    OpenApiExample(
                        "One restricted account",
                        {
                            "can_send": "no",
                            "accounts": [ACCOUNT_EXAMPLE],
                            "timestamp": "2026-12-04T17:00:00+00:00",
                        },
                    )
                ],
            ),
            401: UNAUTHENTICATED,
        },
    )
    def get(self, request: Request) -> Response:
        """Whether the organization can send: each business account and number, with its verdict.

        The worst verdict of all comes first (`can_send`), then every live business account of
        the caller's organization with its numbers, each with its reasons and what to do.
        """
        accounts = selectors.business_accounts_for(request.user).filter(released_at__isnull=True)
        return Response(OrganizationHealthSerializer(organization_health(accounts)).data)
