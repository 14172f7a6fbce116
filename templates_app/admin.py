import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from organizations.admin import (
    OrganizationScopedAdmin,
    PageActionsMixin,
    RecordAdminMixin,
    adopt_created,
    is_scoped,
    soft_deleted_objects,
)
from organizations.models import Organization
from pytake import json_depth
from pytake.dates import exact_time
from pytake.exceptions import ApplicationError
from pytake.log_redaction import REDACTED, redact
from pytake.names import check_name
from templates_app.attention import failure_rate, needs_attention, severity_expression
from templates_app.badges import Badge, quality_badge, status_badge
from templates_app.guidance import template_guidance
from templates_app.models import (
    BusinessAccount,
    PhoneNumber,
    SyncRun,
    TemplateStatus,
    WebhookDelivery,
    WhatsAppTemplate,
)
from templates_app.reasons import news_sentence, status_sentence
from templates_app.selectors import LAST_CHANGE_AT, pause_ladder_of, with_health_counts
from templates_app.sending_path_health import (
    Verdict,
    account_health,
    account_verdict,
    number_verdict,
)
from templates_app.services import accounts, deliveries, sync, templates, unpause


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
    readonly_fields = [
        "token_status",
        "ownership_verified_at",
        "released_at",
        "last_synced_at",
        # What Meta says of the account: Meta owns it, so it is shown, never edited.
        "can_it_send",
        "review_decision",
        "ban_state",
        "ban_date",
        "restrictions_in_force",
        "violations",
        "max_daily_conversations",
        "max_phone_numbers",
        "health_checked_at",
    ]
    actions = ["sync_from_meta"]

    @admin.display(description="Can it send?")
    def can_it_send(self, obj: BusinessAccount) -> str:
        return verdict_in_words(account_verdict(obj)) if obj.pk else "-"

    @admin.display(description="Restrictions in force")
    def restrictions_in_force(self, obj: BusinessAccount) -> str:
        restrictions = account_health(obj, numbers=[])["restrictions"] if obj.pk else []
        return " ".join(item["sentence"] for item in restrictions) or "None"

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


def verdict_in_words(verdict: Verdict) -> str:
    """ "No. Meta disabled this business account. What to do: Appeal …", from its guidance."""
    said = {"yes": "Yes", "limited": "Limited", "no": "No"}[verdict.can_send]
    guidance = verdict.guidance()
    why = guidance.why if verdict.reasons else ""
    steps = f"What to do: {guidance.what_to_do}" if guidance.what_to_do else ""
    return " ".join(part for part in (f"{said}.", why, steps) if part)


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

    # What Meta says of the number: shown, never edited.
    META_FIELDS = [
        "can_it_send",
        "status",
        "status_changed_at",
        "quality_rating",
        "quality_changed_at",
        "messaging_limit",
        "max_daily_conversations",
        "throughput_level",
        "limit_changed_at",
        "name_status",
        "name_rejection_reason",
        "health_checked_at",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly if obj is None else [*readonly, "phone_number_id", *self.META_FIELDS]

    @admin.display(description="Can it send?")
    def can_it_send(self, obj: PhoneNumber) -> str:
        return verdict_in_words(number_verdict(obj, account_verdict(obj.business_account)))

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


def badge_html(badge: Badge) -> str:
    return format_html(
        '<span class="health-badge health-badge--{}">{}</span>', badge.tone, badge.label
    )


class NeedsAttentionFilter(admin.SimpleListFilter):
    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Needs attention"), ("no", "All is well")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        condition = needs_attention(timezone.now())
        if self.value() == "yes":
            return queryset.filter(condition)
        if self.value() == "no":
            return queryset.exclude(condition)
        return queryset


TEMPLATE_MAIN_FIELDS = (
    "organization",
    "business_account",
    "phone_number",
    "name",
    "language",
    "category",
    "status",
    "quality_score",
    "pause_ladder",
    "meta_template_id",
)


@admin.register(WhatsAppTemplate)
class WhatsAppTemplateAdmin(PageActionsMixin, OrganizationScopedAdmin):
    """The templates, most severe first, each with its reason and what it stopped.

    The template's page and the health page read campaigns, alerts and the audit trail: their
    views live in dashboard (dashboard/admin_views.py), among the admin site's URLs.
    """

    organization_field = "organization"
    page_actions = ("sync", "unpause")
    list_display = [
        "template_name",
        "status_badge",
        "quality_badge",
        "reason",
        "failure_rate",
        "campaigns_affected",
        "open_alerts",
        "last_meta_event",
    ]
    list_display_links = ["template_name"]
    # The base narrows these for staff of one organization (and drops `organization`).
    list_filter = [
        NeedsAttentionFilter,
        "status",
        "quality_score",
        "category",
        "business_account",
        "organization",
    ]
    search_fields = ["name", "meta_template_id"]
    # The account and number: the guidance of a template that cannot send reads them.
    list_select_related = ["business_account", "phone_number"]
    change_form_template = "admin/dashboard/template_change_form.html"
    change_list_template = "admin/dashboard/template_change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[WhatsAppTemplate]:
        templates = super().get_queryset(request).filter(deleted_at__isnull=True)
        return with_health_counts(templates).annotate(
            severity=severity_expression(timezone.now()), last_change_at=LAST_CHANGE_AT
        )

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        # The monitoring API's order: most severe first, then the oldest change, then by name.
        # Expressions, not the annotations' names: the base admin orders before annotating.
        severity = severity_expression(timezone.now())
        return [severity.asc(nulls_last=True), LAST_CHANGE_AT.asc(), "name", "language"]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        # The first visit shows what needs attention, when something does; the filter can then
        # be cleared and stays so for the session.
        seen = "template_health_list_seen"
        if request.method == "GET" and not request.session.get(seen):
            request.session[seen] = True
            attention = needs_attention(timezone.now())
            if not request.GET and self.get_queryset(request).filter(attention).exists():
                return HttpResponseRedirect(f"{request.path}?attention=yes")
        return super().changelist_view(request, extra_context)

    @admin.display(description="template", ordering="name")
    def template_name(self, template: WhatsAppTemplate) -> str:
        return format_html("{} <small>({})</small>", template.name, template.language)

    @admin.display(description="status", ordering="status")
    def status_badge(self, template: WhatsAppTemplate) -> str:
        return badge_html(status_badge(template.status))

    @admin.display(description="quality", ordering="quality_score")
    def quality_badge(self, template: WhatsAppTemplate) -> str:
        return badge_html(quality_badge(template.quality_score))

    @admin.display(description="why")
    def reason(self, template: WhatsAppTemplate) -> str:
        return template_guidance(template).why

    @admin.display(description="Meta's pause ladder")
    def pause_ladder(self, template: WhatsAppTemplate) -> str:
        ladder = pause_ladder_of(template)
        if not ladder.pauses and not ladder.sentence():
            return "No pause in Meta's quality window"
        rows = format_html_join(
            "",
            "<li>{}: {}{}</li>",
            (
                (
                    exact_time(pause.paused_at),
                    # The rung in words; Meta's long description is on the template's page.
                    status_sentence(TemplateStatus.PAUSED, pause_title=pause.title),
                    f"; ended {exact_time(pause.ended_at)}: {news_sentence(pause.ended_by)}"
                    if pause.ended_at
                    else "",
                )
                for pause in ladder.pauses
            ),
        )
        return format_html("<p>{}</p><ul>{}</ul>", ladder.sentence() or "", rows)

    @admin.display(description="failure rate")
    def failure_rate(self, template: WhatsAppTemplate) -> str:
        if not template.sent_count:
            return "Nothing sent"
        rate = failure_rate(sent=template.sent_count, failed=template.failed_count)
        return f"{rate:.1%} of {template.sent_count:,}"

    @admin.display(description="campaigns affected", ordering="campaigns_affected")
    def campaigns_affected(self, template: WhatsAppTemplate) -> str:
        url = (
            reverse("admin:campaigns_campaign_changelist")
            + "?"
            + urlencode({"template__id__exact": template.pk})
        )
        return format_html('<a href="{}">{}</a>', url, template.campaigns_affected)

    @admin.display(description="open alerts", ordering="open_alerts")
    def open_alerts(self, template: WhatsAppTemplate) -> str:
        url = (
            reverse("admin:alerts_alert_changelist")
            + "?"
            + urlencode({"template__id__exact": template.pk, "status__in": "OPEN,ACKNOWLEDGED"})
        )
        return format_html('<a href="{}">{}</a>', url, template.open_alerts)

    @admin.display(description="last Meta event", ordering="last_change_at")
    def last_meta_event(self, template: WhatsAppTemplate) -> str:
        return template.last_event_at or "None yet"

    def get_fieldsets(self, request: HttpRequest, obj: WhatsAppTemplate | None = None) -> list:
        # What a person edits first; Meta's many timestamps and details folded away below it.
        fields = list(self.get_fields(request, obj))
        main = [name for name in TEMPLATE_MAIN_FIELDS if name in fields]
        details = [name for name in fields if name not in main]
        fieldsets: list = [(None, {"fields": main})]
        if details:
            fieldsets.append(
                ("What Meta told us, in detail", {"fields": details, "classes": ["collapse"]})
            )
        return fieldsets

    def sync_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Ask Meta for the template's business account's templates, through the sync service."""

        def ask_meta(template: WhatsAppTemplate) -> str:
            run = sync.request_sync(account=template.business_account)
            return (
                f"Sync {run.pk} of {template.business_account} asked of Meta: "
                "this page shows what it changes once it has run."
            )

        return self.act_on_page(
            request,
            object_id,
            refused="Only an organization admin may sync with Meta.",
            act=ask_meta,
        )

    def unpause_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Ask Meta to lift a pause by pacing, through the unpause service; Meta's answer shown."""
        return self.act_on_page(
            request,
            object_id,
            refused="Only an organization admin may unpause a template.",
            act=lambda template: (
                unpause.unpause_template(template=template, actor=request.user).message
            ),
        )

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
    "pause_ladder",
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


# A header whose value is a credential: never shown, whatever a sender put in it.
SECRET_HEADER = re.compile(r"authorization|cookie|token|secret|api-?key", re.IGNORECASE)
# Meta's `time` and `timestamp` fields, one per line of the indented body: seconds since 1970.
EPOCH_LINE = re.compile(r'^\s*"(?:time|timestamp)": "?(\d{9,11})"?,?$')


def headers_table(headers: dict[str, Any]) -> str:
    """The stored headers as a two-column table, name and value; credentials redacted."""
    if not headers:
        return "None stored"
    rows = format_html_join(
        "",
        '<tr><th scope="row">{}</th><td>{}</td></tr>',
        (
            (name, REDACTED if SECRET_HEADER.search(name) else redact(str(value)))
            for name, value in sorted(headers.items())
        ),
    )
    return format_html(
        '<table class="delivery-headers" data-field="headers"><thead><tr>'
        '<th scope="col">Header</th><th scope="col">Value</th></tr></thead>'
        "<tbody>{}</tbody></table>",
        rows,
    )


def body_with_dates(text: str) -> str:
    """The indented body, each epoch of a `time` or `timestamp` line followed by its date."""
    lines = []
    for line in text.splitlines():
        epoch = EPOCH_LINE.match(line)
        if epoch is None:
            lines.append(format_html("{}", line))
            continue
        moment = datetime.fromtimestamp(int(epoch.group(1)), tz=UTC)
        date = exact_time(moment, seconds=True, zone=True)
        lines.append(format_html('{}  <span class="epoch-date">→ {}</span>', line, date))
    return format_html('<pre class="delivery-body">{}</pre>', mark_safe("\n".join(lines)))


def attempt_time(value: str) -> str:
    """An attempt's stored ISO time as every page prints a moment."""
    try:
        return exact_time(datetime.fromisoformat(value), seconds=True, zone=True)
    except (TypeError, ValueError):
        return str(value)


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
    """Meta's deliveries as received, a record read-only but for reprocessing: the templates
    each was about, each attempt, and a Reprocess button. The campaigns a delivery paused are
    read by dashboard (dashboard/admin_views.py), which shows this page."""

    list_display = ["id", "received_at", "status", "templates", "outcome", "attempts"]
    list_filter = ["status", "fields", "received_at"]
    search_fields = ["body_sha256", "waba_ids", "error"]
    date_hierarchy = "received_at"
    actions = ["reprocess"]
    change_form_template = "admin/dashboard/delivery_change_form.html"
    fields = [
        "status",
        "received_at",
        "processed_at",
        "attempts",
        "templates_touched",
        "change_outcomes",
        "attempt_history",
        "pretty_body",
        "headers_table",
        "body_sha256",
        "error",
    ]
    readonly_fields = fields

    def get_urls(self) -> list:
        return [
            path(
                "<path:object_id>/reprocess/",
                self.admin_site.admin_view(self.reprocess_view),
                name="templates_app_webhookdelivery_reprocess",
            ),
            *super().get_urls(),
        ]

    def _template_ids(self, delivery: WebhookDelivery) -> list[str]:
        return list(
            dict.fromkeys(o["template_id"] for o in delivery.outcomes or [] if o.get("template_id"))
        )

    def _templates(self, delivery: WebhookDelivery) -> list[WhatsAppTemplate]:
        return list(WhatsAppTemplate.objects.filter(pk__in=self._template_ids(delivery)))

    @admin.display(description="templates")
    def templates(self, delivery: WebhookDelivery) -> str:
        return ", ".join(str(template) for template in self._templates(delivery)) or "None"

    @admin.display(description="outcome")
    def outcome(self, delivery: WebhookDelivery) -> str:
        results = [o["result"] for o in delivery.outcomes or []]
        if not results:
            return delivery.get_status_display()
        counts = {result: results.count(result) for result in dict.fromkeys(results)}
        return ", ".join(f"{count} {result}" for result, count in counts.items())

    @admin.display(description="templates it touched")
    def templates_touched(self, delivery: WebhookDelivery) -> str:
        return (
            format_html_join(
                ", ",
                '<a href="{}">{}</a>',
                (
                    (reverse("admin:templates_app_whatsapptemplate_change", args=[t.pk]), str(t))
                    for t in self._templates(delivery)
                ),
            )
            or "None"
        )

    @admin.display(description="body")
    def pretty_body(self, delivery: WebhookDelivery) -> str:
        # Any stored body is shown: one nested too deep to indent safely, as it came.
        try:
            parsed = json_depth.loads(delivery.body_text)
            text = json.dumps(parsed, indent=2, ensure_ascii=False)
        except ValueError:
            text = delivery.body_text
        return body_with_dates(text)

    @admin.display(description="headers")
    def headers_table(self, delivery: WebhookDelivery) -> str:
        return headers_table(delivery.headers or {})

    def reprocess_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        delivery = self.get_object(request, object_id)
        if delivery is None or not self.has_view_permission(request, delivery):
            return HttpResponseRedirect(reverse("admin:templates_app_webhookdelivery_changelist"))
        if request.method == "POST":
            result = deliveries.process_delivery(delivery=delivery, force=True)
            if result.status == WebhookDelivery.Status.FAILED:
                messages.error(request, f"Delivery {result.pk} failed again: see its error below.")
            else:
                messages.success(
                    request, f"Delivery {result.pk} reprocessed: {result.get_status_display()}."
                )
        return HttpResponseRedirect(
            reverse("admin:templates_app_webhookdelivery_change", args=[delivery.pk])
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        # Deliveries mix every organization's WABAs: only superusers see them.
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

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
                    attempt_time(attempt["at"]),
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
