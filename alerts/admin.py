from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html

from alerts.models import Alert, NotificationChannel, NotificationDelivery
from alerts.notify.messages import alert_guidance
from alerts.services import channels, lifecycle
from organizations.admin import (
    OrganizationScopedAdmin,
    PageActionsMixin,
    RecordAdminMixin,
    Said,
    adopt_created,
    is_scoped,
)
from organizations.permissions import can_administer
from pytake.exceptions import ApplicationError

# Badge colours; each badge also says its value in words, for readers who do not see colour.
SEVERITY_COLOURS = {"CRITICAL": "#b42318", "WARNING": "#b54708", "INFO": "#175cd3"}
STATUS_COLOURS = {"OPEN": "#b42318", "ACKNOWLEDGED": "#b54708", "RESOLVED": "#067647"}
DELIVERY_COLOURS = {"sent": "#067647", "failed": "#b42318", "retrying": "#b54708"}


def badge(text: str, colour: str) -> str:
    return format_html(
        '<span style="background:{};color:#fff;padding:1px 8px;border-radius:8px;'
        'font-weight:600;white-space:nowrap">{}</span>',
        colour,
        text,
    )


MEMBERS_MAY_NOT_ACT = "Only an organization admin may acknowledge or resolve its alerts."
SEND_TEST_REFUSED = "Only an organization admin may send a test message."


@dataclass(frozen=True)
class AlertButton:
    """A button on the alert's page: what it does, where it posts, and why it is disabled."""

    label: str
    url: str
    refusal: str = ""


@admin.register(Alert)
class AlertAdmin(PageActionsMixin, OrganizationScopedAdmin):
    """Alerts are written by Meta's news; people acknowledge and resolve them, nothing else."""

    organization_field = "organization"
    page_actions = ("acknowledge", "resolve")

    # What fits at 1280 px beside the admin's menu and filters: the title names the template or
    # account; its kind and who acknowledged or resolved it are on the alert's page.
    # `organization` is dropped for staff of one organization.
    list_display = [
        "one_line_title",
        "severity_badge",
        "status_badge",
        "created_at",
        "organization",
    ]
    list_display_links = ["one_line_title"]
    list_filter = ["status", "severity", "kind", "created_at", "organization"]
    search_fields = ["template__name", "title"]
    list_select_related = ["template", "business_account", "organization"]
    date_hierarchy = "created_at"
    actions = ["acknowledge", "resolve"]
    fields = [
        "organization",
        "template",
        "phone_number",
        "business_account",
        "kind",
        "severity",
        "status",
        "title",
        "what_meta_said",
        "why",
        "what_to_do",
        "occurrences",
        "created_at",
        "last_seen_at",
        "acknowledged_at",
        "acknowledged_by",
        "resolved_at",
        "resolved_by",
        "resolution",
        "escalated_to",
    ]
    # A record of Meta's news and of what people did: changed by the buttons above, not a form.
    readonly_fields = fields

    @admin.display(description="What Meta said")
    def what_meta_said(self, alert: Alert) -> str:
        return alert.data.get("reason") or "Nothing more than the title says"

    @admin.display(description="Why")
    def why(self, alert: Alert) -> str:
        # The words every page and notification uses for the alert's template, number or account.
        return alert_guidance(alert).why or "Nothing more than the title says"

    @admin.display(description="What to do")
    def what_to_do(self, alert: Alert) -> str:
        return alert_guidance(alert).what_to_do or "Nothing now"

    @admin.display(description="Alert", ordering="title")
    def one_line_title(self, alert: Alert) -> str:
        # One line, cut with an ellipsis by the stylesheet; the whole title on hover.
        return format_html('<span class="one-line" title="{0}">{0}</span>', str(alert))

    @admin.display(description="About")
    def subject(self, alert: Alert) -> str:
        return str(alert.subject)

    @admin.display(description="Severity", ordering="severity")
    def severity_badge(self, alert: Alert) -> str:
        return badge(alert.get_severity_display(), SEVERITY_COLOURS.get(alert.severity, "#475467"))

    @admin.display(description="Status", ordering="status")
    def status_badge(self, alert: Alert) -> str:
        return badge(alert.get_status_display(), STATUS_COLOURS.get(alert.status, "#475467"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Alert | None = None) -> bool:
        return False

    # --- the alert's page: Acknowledge and Resolve, not Save ---------------------------------

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        alert = self.get_object(request, unquote(object_id))
        extra_context = {**(extra_context or {}), "show_save": False}
        extra_context["show_save_and_continue"] = False
        if alert is not None:
            extra_context["alert_buttons"] = self.buttons_for(request, alert)
        return super().change_view(request, object_id, form_url, extra_context)

    def buttons_for(self, request: HttpRequest, alert: Alert) -> list[AlertButton]:
        """The actions the alert's state allows, each disabled with its reason for a person who
        may not take it (members: only organization admins act on alerts)."""
        refusal = "" if can_administer(request.user, alert.organization_id) else MEMBERS_MAY_NOT_ACT
        buttons = []
        if alert.status == Alert.Status.OPEN:
            url = reverse("admin:alerts_alert_acknowledge", args=[alert.pk])
            buttons.append(AlertButton("Acknowledge", url, refusal))
        if alert.status != Alert.Status.RESOLVED:
            url = reverse("admin:alerts_alert_resolve", args=[alert.pk])
            buttons.append(AlertButton("Resolve", url, refusal))
        return buttons

    def acknowledge_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        def acknowledge(alert: Alert) -> str:
            lifecycle.acknowledge_alert(alert=alert, actor=request.user)
            return f"Acknowledged: {alert}"

        return self.act_on_page(request, object_id, refused=MEMBERS_MAY_NOT_ACT, act=acknowledge)

    def resolve_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        def resolve(alert: Alert) -> str:
            reason = request.POST.get("reason", "")
            lifecycle.resolve_alert(alert=alert, actor=request.user, reason=reason)
            return f"Resolved: {alert}"

        return self.act_on_page(request, object_id, refused=MEMBERS_MAY_NOT_ACT, act=resolve)

    @admin.action(description="Acknowledge the selected alerts")
    def acknowledge(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        self._act(request, queryset, "acknowledged", lifecycle.acknowledge_alert)

    @admin.action(description="Resolve the selected alerts")
    def resolve(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        self._act(request, queryset, "resolved", lifecycle.resolve_alert)

    def _act(self, request: HttpRequest, queryset: QuerySet[Alert], done: str, action) -> None:
        count, refused = 0, []
        for alert in queryset:
            try:
                action(alert=alert, actor=request.user)
                count += 1
            except ApplicationError as exc:
                refused.append(f"{alert.title}: {exc.message}")
        if count:
            self.message_user(request, f"{count} alert(s) {done}.", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.WARNING)


# The fields each kind of channel takes; the form shows only those of the chosen kind.
KIND_FIELDS: dict[str, list[str]] = {
    NotificationChannel.Kind.EMAIL: ["recipients"],
    NotificationChannel.Kind.SLACK: ["url"],
    NotificationChannel.Kind.WEBHOOK: ["url", "secret"],
}


class RecipientsField(forms.CharField):
    """Email addresses as a person types them: one a line (commas also part them)."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 60, "autocomplete": "off"})

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value: Any) -> list[str]:
        text = super().to_python(value) or ""
        return [address.strip() for address in re.split(r"[\n,;]", text) if address.strip()]

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        for address in value:
            try:
                validate_email(address)
            except ValidationError as error:
                message = f"“{address}” is not an email address: write one address a line."
                raise ValidationError(message, code="invalid") from error


class NotificationChannelForm(forms.ModelForm):
    recipients = RecipientsField(
        required=False,
        help_text="Email channels: the addresses to write to, one a line.",
    )
    # Write-only, like the secret: a Slack URL is itself the key to post in the channel.
    url = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.TextInput(attrs={"size": 80, "autocomplete": "off"}),
        help_text="Slack's incoming webhook URL, or the customer's URL.",
    )
    secret = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Webhook channels: the signing secret (whsec_…). Leave empty to keep it.",
    )

    class Meta:
        model = NotificationChannel
        # The kind first: it decides which of the fields below the form shows.
        fields = [
            "kind",
            "organization",
            "name",
            "recipients",
            "url",
            "secret",
            "min_severity",
            "enabled",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["url"] = ""
        if "kind" in self.fields:
            self.fields["kind"].help_text = "Choose it first: the fields it needs follow."
        if self.instance.pk and self.instance.url:
            hint = self.instance.url_hint
            self.fields["url"].help_text = f"Set: {hint}. Leave empty to keep it."

    def clean_secret(self) -> str:
        # Write-only: an empty box keeps the stored secret.
        return self.cleaned_data["secret"] or (self.instance.secret if self.instance.pk else "")

    def clean_url(self) -> str:
        # Write-only, like the secret: an empty box keeps the stored URL.
        return self.cleaned_data["url"] or (self.instance.url if self.instance.pk else "")


@admin.register(NotificationChannel)
class NotificationChannelAdmin(PageActionsMixin, OrganizationScopedAdmin):
    """Channels are checked and written by the alerts service, as in the API."""

    organization_field = "organization"
    page_actions = ("send_test",)
    form = NotificationChannelForm
    list_display = ["name", "kind", "min_severity", "enabled", "organization", "updated_at"]
    list_filter = ["kind", "min_severity", "enabled", "organization"]
    search_fields = ["name"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_fields(request, obj))
        # Staff of one organization: their channels are theirs, nothing to show or choose.
        return [name for name in fields if name != "organization"] if is_scoped(request) else fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and "organization" not in readonly:
            readonly.append("organization")  # a channel stays with its organization
        if obj is not None:
            readonly.append("kind")  # and its kind (the service refuses a change)
        return readonly

    # --- the form per kind, and "Send test" ---------------------------------------------------

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        extra_context = {**(extra_context or {}), "kind_fields": KIND_FIELDS}
        channel = self.get_object(request, unquote(object_id)) if object_id else None
        if channel is not None:
            extra_context["channel_kind"] = channel.kind
            extra_context["send_test_refusal"] = (
                "" if can_administer(request.user, channel.organization_id) else SEND_TEST_REFUSED
            )
        return super().changeform_view(request, object_id, form_url, extra_context)

    def send_test_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Send a test message through the channel now and say how it went, as the API does."""

        def send_test(channel: NotificationChannel) -> Said:
            delivery = channels.send_test_notification(channel=channel)
            delivery.refresh_from_db()
            if delivery.status == NotificationDelivery.Status.SENT:
                return messages.SUCCESS, f"The test message reached {channel.name}."
            if delivery.status in NotificationDelivery.DUE_STATUSES:
                return messages.INFO, "The test message is queued: its delivery says how it went."
            return (
                messages.ERROR,
                f"The test message did not reach {channel.name}: {delivery.last_error}",
            )

        return self.act_on_page(request, object_id, refused=SEND_TEST_REFUSED, act=send_test)

    def channel_fields(self, form: forms.ModelForm) -> dict[str, Any]:
        """What the form says of the channel: its fields shown, but a secret box left empty."""
        fields = {
            name: form.cleaned_data[name]
            for name in form.Meta.fields
            if name in form.cleaned_data and name != "organization"
        }
        for write_only in ("secret", "url"):
            if write_only in form.fields and not form[write_only].data:
                fields.pop(write_only, None)  # the stored value stays, unchecked again
        return fields

    def clean_with_services(self, request: HttpRequest, form, obj: Any) -> None:
        channels.check_channel(channel=obj, fields=self.channel_fields(form))

    def save_model(self, request: HttpRequest, obj: NotificationChannel, form, change) -> None:
        fields = self.channel_fields(form)
        try:
            if change:
                channels.update_channel(channel=obj, **fields)
            else:
                organization = (
                    request.user.organization
                    if is_scoped(request)
                    else form.cleaned_data["organization"]
                )
                adopt_created(obj, channels.create_channel(organization=organization, **fields))
        except ApplicationError as error:
            # Checked with the form already: only a change since (a host's address) gets here.
            raise PermissionDenied(error.message) from error

    def delete_model(self, request: HttpRequest, obj: NotificationChannel) -> None:
        channels.delete_channel(channel=obj)


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(RecordAdminMixin, OrganizationScopedAdmin):
    """Every message to a channel and its attempts: a record, read-only but for retrying."""

    organization_field = "channel__organization"
    list_display = [
        "id",
        "kind",
        "status_badge",
        "channel",
        "alert",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "short_error",
    ]
    list_filter = ["status", "kind", "channel__kind", "created_at"]
    list_select_related = ["channel", "alert"]
    date_hierarchy = "created_at"
    actions = ["retry"]
    readonly_fields = [
        "channel",
        "kind",
        "alert",
        "digest",
        "status",
        "attempts",
        "max_attempts",
        "last_error",
        "next_attempt_at",
        "sent_at",
        "created_at",
        "updated_at",
    ]

    @admin.display(description="Status", ordering="status")
    def status_badge(self, delivery: NotificationDelivery) -> str:
        colour = DELIVERY_COLOURS.get(delivery.status, "#475467")
        return badge(delivery.get_status_display(), colour)

    @admin.display(description="Last error")
    def short_error(self, delivery: NotificationDelivery) -> str:
        return delivery.last_error[:120]

    @admin.action(description="Retry the selected failed deliveries")
    def retry(self, request: HttpRequest, queryset: QuerySet[NotificationDelivery]) -> None:
        retried = channels.retry_deliveries(deliveries=queryset)
        skipped = queryset.count() - retried
        self.message_user(request, f"{retried} failed delivery(ies) will be sent again.")
        if skipped:
            self.message_user(
                request,
                f"{skipped} selected delivery(ies) had not failed and were left alone.",
                messages.WARNING,
            )
