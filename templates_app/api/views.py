from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from organizations.permissions import (
    IsOrgAdmin,
    IsOrgAdminOrReadOnly,
    acting_organization,
)
from pytake.api.exceptions import service_field_errors
from pytake.api.schema import NO_ORGANIZATION_NAMED, NOT_FOUND, UNAUTHENTICATED, field_errors
from templates_app import selectors
from templates_app.api.filters import TemplateFilter
from templates_app.api.serializers import (
    BusinessAccountCreateSerializer,
    BusinessAccountSerializer,
    CriticalTemplatesQuerySerializer,
    CriticalTemplatesSerializer,
    PhoneNumberSerializer,
    SyncRunSerializer,
    TemplateCreateSerializer,
    TemplateDetailSerializer,
    TemplateSerializer,
    UnpauseAnswerSerializer,
)
from templates_app.models import BusinessAccount, PhoneNumber, SyncRun, WhatsAppTemplate
from templates_app.services import accounts, sync, unpause
from templates_app.services import templates as services


@extend_schema_view(
    get=extend_schema(
        summary="List business accounts",
        description=(
            "The organization's WhatsApp Business Accounts (WABAs); access tokens are never shown."
        ),
    ),
)
@extend_schema(tags=["whatsapp"])
class BusinessAccountListCreateView(generics.ListCreateAPIView):
    serializer_class = BusinessAccountSerializer
    permission_classes = [IsOrgAdminOrReadOnly]

    def get_queryset(self):
        return selectors.business_accounts_for(self.request.user)

    @extend_schema(
        summary="Register a business account",
        request=BusinessAccountCreateSerializer,
        responses={
            201: BusinessAccountSerializer,
            200: BusinessAccountSerializer,
            400: OpenApiResponse(description="Invalid input, or the token cannot see the WABA."),
            409: OpenApiResponse(description="Another organization proved this WABA is theirs."),
            503: OpenApiResponse(description="Meta could not be asked; nothing was saved."),
        },
        description=(
            "Registers a WABA. With `access_token`, Meta must confirm the token sees the WABA: "
            "the account is then proven, and a WABA id another organization registered without "
            "proof is claimed (that account is released). Registering your organization's own "
            "WABA again with a token stores the token and proves it (200)."
        ),
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        serializer = BusinessAccountCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        account, created = accounts.register_business_account(
            organization=acting_organization(request.user),
            actor=request.user,
            **serializer.validated_data,
        )
        return Response(
            BusinessAccountSerializer(account).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class BusinessAccountMixin:
    """Views under /whatsapp/accounts/{id}/: the account must be the caller's organization's."""

    def get_account(self) -> BusinessAccount:
        return get_object_or_404(
            selectors.business_accounts_for(self.request.user), pk=self.kwargs["account_id"]
        )


@extend_schema(tags=["whatsapp"])
class BusinessAccountSyncView(BusinessAccountMixin, APIView):
    permission_classes = [IsOrgAdmin]

    @extend_schema(
        summary="Sync an account's templates with Meta now",
        request=None,
        responses={
            202: SyncRunSerializer,
            400: OpenApiResponse(description="The account has no working access token."),
            404: OpenApiResponse(description="No such account in your organization."),
            409: OpenApiResponse(description="A sync of this account is queued or running."),
        },
        description=(
            "Queues a sync of the account's templates with Meta's Graph API and answers 202 "
            "with the sync run (its `id` names it in `GET .../syncs/`). Every difference is "
            "applied as a change from `sync`: campaigns pause and resume, the audit trail "
            "records it. It also refreshes the counts of the last 30 days from Meta's template "
            "analytics (`failed_count` = sent minus delivered over days older than 48 hours)."
        ),
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        run = sync.request_sync(account=self.get_account())
        run.refresh_from_db()  # an inline task backend has run it already
        return Response(SyncRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["whatsapp"])
class SyncRunListView(BusinessAccountMixin, generics.ListAPIView):
    """The account's syncs, newest first: when, what was seen and changed, what went wrong."""

    serializer_class = SyncRunSerializer
    permission_classes = [IsOrgAdminOrReadOnly]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no URL kwargs
            return SyncRun.objects.none()
        return selectors.sync_runs_of(self.get_account())


@extend_schema_view(
    get=extend_schema(
        summary="List phone numbers",
        description=(
            "The phone numbers of the organization's business accounts, each with PyTake's id "
            "used in `/whatsapp/{number_id}/...`."
        ),
    ),
    post=extend_schema(
        summary="Add a phone number",
        description="An org admin adds a number to one of the organization's business accounts.",
    ),
)
@extend_schema(tags=["whatsapp"])
class PhoneNumberListCreateView(generics.ListCreateAPIView):
    serializer_class = PhoneNumberSerializer
    permission_classes = [IsOrgAdminOrReadOnly]

    def get_queryset(self):
        return selectors.phone_numbers_for(self.request.user)

    def get_serializer(self, *args, **kwargs):
        accounts = selectors.business_accounts_for(self.request.user)
        return super().get_serializer(*args, accounts=accounts, **kwargs)

    def perform_create(self, serializer: PhoneNumberSerializer) -> None:
        serializer.instance = services.create_phone_number(**serializer.validated_data)


TEMPLATE_EXAMPLE = {
    "id": "6f1c2b8e-4d0a-4c55-9a51-2f6d1e0b7c31",
    "name": "order_update",
    "language": "en_US",
    "category": "UTILITY",
    "meta_template_id": "1234567890123456",
    "business_account": "0b7f3c52-9a8e-4d1f-8f0e-2c1d5e6a7b90",
    "phone_number": None,
    "status": "PAUSED",
    "quality_score": "RED",
    "rejection_reason": "",
    "rejection_recommendation": "",
    "disabled_reason": "",
    "disable_date": None,
    "paused_title": "FIRST_PAUSE",
    "pause_description": "",
    "upcoming_category": "",
    "category_change_at": None,
    "correct_category": "",
    "correct_category_detected_at": None,
    "components": {},
    "pending_since": None,
    "approved_at": "2026-11-20T08:00:00Z",
    "rejected_at": None,
    "paused_at": "2026-11-24T09:00:00Z",
    "disabled_at": None,
    "quality_updated_at": "2026-11-24T08:30:00Z",
    "last_event_at": "2026-11-24T09:00:00Z",
    "reason": "Paused for low quality (first pause, 3 hours); quality rated low (red)",
    "action_required": "Review template quality metrics and resubmit",
    "sent_count": 1200,
    "failed_count": 300,
    "created_at": "2026-11-20T07:55:00Z",
    "updated_at": "2026-11-24T09:00:01Z",
}


def template_response(description: str) -> OpenApiResponse:
    """A template (or a page of them, for a list), with an example."""
    return OpenApiResponse(
        TemplateSerializer,
        description=description,
        examples=[OpenApiExample("A paused template Meta created itself", TEMPLATE_EXAMPLE)],
    )


class PhoneNumberMixin:
    """Views under /whatsapp/{number_id}/: the number must belong to the caller's organization.

    The same views also serve /whatsapp/templates/..., without a number.
    """

    def get_phone_number(self) -> PhoneNumber:
        return get_object_or_404(
            selectors.phone_numbers_for(self.request.user), pk=self.kwargs["number_id"]
        )

    def get_templates(self) -> QuerySet[WhatsAppTemplate]:
        """The number's business account's templates; without a number, the organization's."""
        if getattr(self, "swagger_fake_view", False):  # schema generation: no URL kwargs
            return WhatsAppTemplate.objects.none()
        if "number_id" not in self.kwargs:
            return selectors.template_list(self.request.user)
        return selectors.templates_of_number(
            self.request.user, phone_number=self.get_phone_number()
        )


@extend_schema(
    tags=["whatsapp"],
    responses={
        200: template_response("The business account's templates, by name"),
        401: UNAUTHENTICATED,
        404: NOT_FOUND,
    },
)
class TemplateListCreateView(PhoneNumberMixin, generics.ListAPIView):
    """The templates of the number's business account, learned ones included."""

    serializer_class = TemplateSerializer
    permission_classes = [IsOrgAdminOrReadOnly]

    def get_queryset(self):
        return self.get_templates()

    @extend_schema(
        summary="Create a template on a number",
        request=TemplateCreateSerializer,
        responses={201: TemplateSerializer},
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        """Records a template of the number's business account that PyTake should watch."""
        phone_number = self.get_phone_number()
        serializer = TemplateCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_field_errors():
            template = services.create_template(
                phone_number=phone_number, **serializer.validated_data
            )
        return Response(TemplateSerializer(template).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=["whatsapp"],
    responses={200: template_response("The template"), 401: UNAUTHENTICATED, 404: NOT_FOUND},
)
class TemplateDetailView(PhoneNumberMixin, generics.RetrieveAPIView):
    """One template of the organization; under a number, one of the number's business account."""

    serializer_class = TemplateDetailSerializer
    permission_classes = [IsOrgAdminOrReadOnly]
    lookup_url_kwarg = "template_id"

    def get_queryset(self):
        return self.get_templates()


@extend_schema_view(get=extend_schema(operation_id="v1_whatsapp_organization_template_retrieve"))
class OrganizationTemplateDetailView(TemplateDetailView):
    """One template of the organization, whatever its number."""


INVALID_FILTER = field_errors(
    "A filter value outside its choices",
    {"status": ["Select a valid choice. PAUSD is not one of the available choices."]},
)


@extend_schema(
    tags=["whatsapp"],
    responses={
        200: template_response("The templates that pass every filter"),
        400: INVALID_FILTER,
        401: UNAUTHENTICATED,
    },
)
@extend_schema_view(get=extend_schema(operation_id="v1_whatsapp_organization_templates_list"))
class OrganizationTemplateListView(generics.ListAPIView):
    """Every template of the organization (of every one for a super admin without one)."""

    serializer_class = TemplateSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = TemplateFilter

    def get_queryset(self):
        return selectors.template_list(self.request.user)


CRITICAL_EXAMPLE = {
    "critical_templates": [
        {
            "id": "6f1c2b8e-4d0a-4c55-9a51-2f6d1e0b7c31",
            "name": "order_update",
            "language": "en_US",
            "status": "DISABLED",
            "quality_score": "RED",
            "disabled_reason": "scam",
            "disabled_at": "2026-11-24T09:00:00Z",
            "paused_at": "2026-11-23T18:00:00Z",
            "reason": "Disabled by Meta: scam",
            "sent_count": 1200,
            "failed_count": 300,
            "failure_rate": 0.25,
            "campaigns_affected": 2,
            "open_alerts": 1,
            "action_required": "Create a new template and move its campaigns to it",
            "last_event_at": "2026-11-24T09:00:00Z",
        }
    ],
    "total_critical": 1,
    "timestamp": "2026-11-25T10:00:00Z",
}


@extend_schema(tags=["whatsapp"])
class CriticalTemplatesView(APIView):
    """Templates that need attention, most severe first, then the longest unchanged."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[CriticalTemplatesQuerySerializer],
        responses={
            200: OpenApiResponse(
                CriticalTemplatesSerializer,
                description="DISABLED, LOCKED, LIMIT_EXCEEDED, quality RED, PAUSED, REJECTED, "
                "FLAGGED, then PENDING for more than 48 hours; deleted templates never appear.",
                examples=[OpenApiExample("One disabled template", CRITICAL_EXAMPLE)],
            ),
            400: NO_ORGANIZATION_NAMED,
            401: UNAUTHENTICATED,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request) -> Response:
        query = CriticalTemplatesQuerySerializer(
            data=request.query_params, context={"request": request}
        )
        query.is_valid(raise_exception=True)
        now = timezone.now()
        critical = selectors.critical_templates(
            organization_id=query.validated_data["organization_id"],
            limit=query.validated_data.get("limit"),
            now=now,
        )
        data = {
            "critical_templates": critical.templates,
            "total_critical": critical.total,
            "timestamp": now,
        }
        return Response(CriticalTemplatesSerializer(data).data)


# --- lifting a pause by pacing ------------------------------------------------------------------


@extend_schema(tags=["whatsapp"])
class TemplateUnpauseView(APIView):
    """Ask Meta to lift a template's pause by pacing (RATE_LIMITING_PAUSE)."""

    permission_classes = [IsOrgAdmin]

    @extend_schema(
        request=None,
        responses={
            200: UnpauseAnswerSerializer,
            401: UNAUTHENTICATED,
            404: NOT_FOUND,
            409: OpenApiResponse(
                description="Not paused by pacing, or paused less than 5 minutes ago (Meta's "
                "time), or no access token: `detail` says which."
            ),
            502: OpenApiResponse(description="Meta refused: `detail` holds Meta's error."),
        },
        description=(
            "Calls Meta's `POST /{template_id}/unpause` with the business account's token, no "
            "sooner than 5 minutes after Meta's pause. Audited, with Meta's answer. The "
            "template's status follows Meta's news of it."
        ),
    )
    def post(self, request: Request, template_id, *args, **kwargs) -> Response:
        template = get_object_or_404(
            selectors.templates_for(request.user).select_related("business_account"),
            pk=template_id,
        )
        self.check_object_permissions(request, template)
        answer = unpause.unpause_template(template=template, actor=request.user)
        return Response(UnpauseAnswerSerializer(answer).data)
