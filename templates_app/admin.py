from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html, format_html_join

from organizations.admin import (
    OrganizationScopedAdmin,
    RecordAdminMixin,
    adopt_created,
    is_scoped,
    soft_deleted_objects,
)
from organizations.models import Organization
from pytake.exceptions import ApplicationError
from pytake.names import check_name
from templates_app.models import (
    BusinessAccount,
    PhoneNumber,
    SyncRun,
    WebhookDelivery,
    WhatsAppTemplate,
)
from templates_app.services import accounts, deliveries, sync, templates


class BusinessAccountForm(forms.ModelForm):
    """The access token is write-only: typed in, stored encrypted, never shown again."""

    access_token = forms.CharField(
        required=False,
        max_length=2048,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=(
            "A Meta system-user token. On a new account, Meta is asked whether it sees the WABA: "
            "that proves the WABA is yours. Leave empty to keep the stored one."
        ),
    )

    class Meta:
        model = BusinessAccount
        fields = ["organization", "waba_id", "name"]


@admin.register(BusinessAccount)
class BusinessAccountAdmin(OrganizationScopedAdmin):
    """Accounts are registered and changed through the accounts service, as in the API: a WABA
    id is set once, by a registration that a token proves, and never edited in place."""

    organization_field = "organization"
    form = BusinessAccountForm
    list_display = [
        "name",
        "waba_id",
        "organization",
        "token_status",
        "ownership_verified_at",
        "released_at",
        "last_synced_at",
    ]
    list_filter = ["organization", "token_status"]
    search_fields = ["name", "waba_id"]
    readonly_fields = ["token_status", "ownership_verified_at", "released_at", "last_synced_at"]
    actions = ["sync_from_meta"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # Another id (or organization) is another registration, with its own proof.
            readonly += [name for name in ("organization", "waba_id") if name not in readonly]
        return readonly

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        # Meta is asked for its proof while the form is checked: outside any transaction, as
        # the service requires. Every write is the service's own, in its own transaction.
        return self._changeform_view(request, object_id, form_url, extra_context)

    def clean_with_services(self, request: HttpRequest, form, obj: Any) -> None:
        data = form.cleaned_data
        if obj is not None:
            check_name(data["name"])
            return
        proof = None
        if data.get("access_token"):
            proof = accounts.prove_ownership(
                waba_id=data["waba_id"], access_token=data["access_token"]
            )
        accounts.check_registration(
            organization=self._organization(request, data),
            waba_id=data["waba_id"],
            name=data["name"],
            proven=proof is not None,
        )
        form.ownership_proof = proof

    def _organization(self, request: HttpRequest, data: dict) -> Organization:
        return request.user.organization if is_scoped(request) else data["organization"]

    def save_model(self, request: HttpRequest, obj: BusinessAccount, form, change: bool) -> None:
        data = form.cleaned_data
        if change:
            accounts.update_business_account(
                account=obj, name=data["name"], access_token=data.get("access_token", "")
            )
            return
        try:
            account, _ = accounts.register_business_account(
                organization=self._organization(request, data),
                waba_id=data["waba_id"],
                name=data["name"],
                proof=form.ownership_proof,
                actor=request.user,
            )
        except ApplicationError as error:
            # Another registration of this WABA came between the form's check and this one.
            raise PermissionDenied(error.message) from error
        adopt_created(obj, account)

    @admin.action(description="Sync from Meta")
    def sync_from_meta(self, request: HttpRequest, queryset) -> None:
        for account in queryset:
            try:
                run = sync.request_sync(account=account)
            except ApplicationError as exc:
                self.message_user(request, f"{account}: {exc.message}", level=messages.WARNING)
                continue
            run.refresh_from_db()
            self.message_user(request, f"{account}: sync {run.pk} {run.get_status_display()}.")


@admin.register(SyncRun)
class SyncRunAdmin(RecordAdminMixin, OrganizationScopedAdmin):
    """Syncs with Meta: a record, read-only."""

    organization_field = "business_account__organization"
    list_display = [
        "id",
        "business_account",
        "status",
        "trigger",
        "requested_at",
        "finished_at",
        "templates_seen",
        "changes_applied",
        "listing_complete",
    ]
    list_filter = ["status", "trigger"]
    list_select_related = ["business_account"]


@admin.register(PhoneNumber)
class PhoneNumberAdmin(OrganizationScopedAdmin):
    """Numbers are added and changed through the services; Meta's id of a number is set once."""

    organization_field = "business_account__organization"
    list_display = ["display_phone_number", "verified_name", "phone_number_id", "business_account"]
    search_fields = ["display_phone_number", "phone_number_id", "verified_name"]
    list_select_related = ["business_account"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly if obj is None else [*readonly, "phone_number_id"]

    def save_model(self, request: HttpRequest, obj: PhoneNumber, form, change: bool) -> None:
        data = form.cleaned_data
        if change:
            templates.update_phone_number(
                phone_number=obj,
                business_account=data["business_account"],
                display_phone_number=data["display_phone_number"],
                verified_name=data["verified_name"],
            )
            return
        created = templates.create_phone_number(
            business_account=data["business_account"],
            phone_number_id=data["phone_number_id"],
            display_phone_number=data["display_phone_number"],
            verified_name=data["verified_name"],
        )
        adopt_created(obj, created)


@admin.register(WhatsAppTemplate)
class WhatsAppTemplateAdmin(OrganizationScopedAdmin):
    organization_field = "organization"
    list_display = [
        "name",
        "language",
        "category",
        "status",
        "quality_score",
        "business_account",
        "updated_at",
    ]
    list_filter = ["status", "quality_score", "category", "organization"]
    search_fields = ["name", "meta_template_id"]
    list_select_related = ["business_account"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[WhatsAppTemplate]:
        return super().get_queryset(request).filter(deleted_at__isnull=True)

    def get_fields(self, request: HttpRequest, obj: WhatsAppTemplate | None = None) -> list[str]:
        if obj is None:  # submitted through PyTake: Meta rules on the rest
            return TEMPLATE_ADD_FIELDS
        return ["phone_number", *TEMPLATE_READONLY_FIELDS]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else TEMPLATE_READONLY_FIELDS

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> type:
        form = super().get_form(request, obj, **kwargs)
        # Sent from a number of its own business account only (a viewer's form has no fields).
        if obj is not None and "phone_number" in form.base_fields:
            field = form.base_fields["phone_number"]
            field.queryset = field.queryset.filter(business_account_id=obj.business_account_id)
        return form

    def clean_with_services(self, request: HttpRequest, form, obj: Any) -> None:
        if obj is None:  # Meta's rules for a new template, as the API applies them
            data = form.cleaned_data
            templates.check_new_template(
                phone_number=data["phone_number"],
                name=data["name"],
                language=data["language"],
                category=data["category"],
                meta_template_id=data["meta_template_id"],
            )

    def save_model(self, request: HttpRequest, obj: WhatsAppTemplate, form, change: bool) -> None:
        data = form.cleaned_data
        if change:
            templates.update_template_number(template=obj, phone_number=data["phone_number"])
            return
        created = templates.create_template(
            phone_number=data["phone_number"],
            name=data["name"],
            language=data["language"],
            category=data["category"],
            meta_template_id=data["meta_template_id"],
        )
        adopt_created(obj, created)

    def delete_model(self, request: HttpRequest, obj: WhatsAppTemplate) -> None:
        templates.delete_template(template=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[WhatsAppTemplate]) -> None:
        for template in queryset:
            templates.delete_template(template=template, actor=request.user)

    def get_deleted_objects(self, objs, request: HttpRequest) -> tuple:
        # A soft delete: the template keeps its campaigns, alerts and history.
        return soft_deleted_objects(self, objs, request)


# Added through PyTake: the number it is sent from, its name and language, what it asks for.
TEMPLATE_ADD_FIELDS = ["phone_number", "name", "language", "category", "meta_template_id"]
# Meta's to say (or derived): shown, changed only by Meta's events or a sync.
TEMPLATE_READONLY_FIELDS = [
    "id",
    "organization",
    "business_account",
    "meta_template_id",
    "name",
    "language",
    "category",
    "status",
    "quality_score",
    "rejection_reason",
    "rejection_recommendation",
    "disabled_reason",
    "disable_date",
    "paused_title",
    "pause_description",
    "status_before_archive",
    "upcoming_category",
    "category_change_at",
    "correct_category",
    "correct_category_detected_at",
    "components",
    "pending_since",
    "approved_at",
    "rejected_at",
    "paused_at",
    "disabled_at",
    "quality_updated_at",
    "status_event_at",
    "quality_event_at",
    "category_event_at",
    "components_event_at",
    "sent_count",
    "failed_count",
    "created_at",
    "updated_at",
    "deleted_at",
]


def _outcome_lines(outcomes: list[dict]) -> str:
    return format_html_join(
        "",
        "<div><code>{}</code> {} <strong>{}</strong> {} {}</div>",
        (
            (
                outcome["position"],
                outcome["field"],
                outcome["result"],
                outcome["detail"],
                "; ".join(outcome.get("warnings") or []),
            )
            for outcome in outcomes or []
        ),
    )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(RecordAdminMixin, admin.ModelAdmin):
    """Meta's deliveries as received: a record, read-only but for reprocessing."""

    list_display = ["id", "received_at", "status", "fields", "waba_ids", "attempts", "short_error"]
    list_filter = ["status", "fields", "received_at"]
    search_fields = ["body_sha256", "waba_ids", "error"]
    date_hierarchy = "received_at"
    actions = ["reprocess"]
    fields = [
        "status",
        "received_at",
        "processed_at",
        "attempts",
        "fields",
        "waba_ids",
        "body_sha256",
        "headers",
        "raw_body",
        "change_outcomes",
        "attempt_history",
        "error",
    ]
    readonly_fields = fields

    def has_module_permission(self, request: HttpRequest) -> bool:
        # Deliveries mix every organization's WABAs: only superusers see them.
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    @admin.display(description="error")
    def short_error(self, delivery: WebhookDelivery) -> str:
        return delivery.error.strip().splitlines()[-1][:120] if delivery.error else ""

    @admin.display(description="body")
    def raw_body(self, delivery: WebhookDelivery) -> str:
        return format_html("<pre style='white-space: pre-wrap'>{}</pre>", delivery.body_text)

    @admin.display(description="where each change stands")
    def change_outcomes(self, delivery: WebhookDelivery) -> str:
        return _outcome_lines(delivery.outcomes)

    @admin.display(description="every attempt")
    def attempt_history(self, delivery: WebhookDelivery) -> str:
        return format_html_join(
            "",
            "<div><strong>Attempt {} at {}: {}</strong>{}</div>",
            (
                (
                    attempt["attempt"],
                    attempt["at"],
                    attempt["status"],
                    _outcome_lines(attempt["outcomes"]),
                )
                for attempt in delivery.history or []
            ),
        )

    @admin.action(description="Reprocess selected deliveries")
    def reprocess(self, request: HttpRequest, queryset) -> None:
        results = [
            deliveries.process_delivery(delivery=delivery, force=True).status
            for delivery in queryset.order_by("received_at")
        ]
        failed = results.count(WebhookDelivery.Status.FAILED)
        level = messages.ERROR if failed else messages.SUCCESS
        self.message_user(
            request, f"Reprocessed {len(results)} deliveries, {failed} failed.", level=level
        )
