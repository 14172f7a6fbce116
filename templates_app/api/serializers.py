from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from organizations.permissions import viewed_organization_id
from templates_app.guidance import template_guidance
from templates_app.models import (
    BusinessAccount,
    PhoneNumber,
    QualityScore,
    SyncRun,
    TemplateCategory,
    TemplateStatus,
    WhatsAppTemplate,
)
from templates_app.selectors import pause_ladder_of


class BusinessAccountSerializer(serializers.ModelSerializer):
    """A business account as shown: the access token itself is never part of it."""

    has_access_token = serializers.BooleanField(read_only=True)
    ownership_proven = serializers.BooleanField(
        read_only=True, help_text="A Meta access token proved that the WABA is this account's."
    )
    token_status_display = serializers.CharField(source="get_token_status_display", read_only=True)

    class Meta:
        model = BusinessAccount
        fields = [
            "id",
            "waba_id",
            "name",
            "has_access_token",
            "token_status",
            "token_status_display",
            "ownership_proven",
            "ownership_verified_at",
            "released_at",
            "last_synced_at",
        ]
        read_only_fields = fields


class BusinessAccountCreateSerializer(serializers.Serializer):
    # What a WABA id and a name may hold, the registration service says, for the admin too.
    waba_id = serializers.CharField(max_length=32, help_text="Meta's WABA id: digits only.")
    name = serializers.CharField(
        max_length=200, help_text="No line breaks, tabs or other control characters."
    )
    access_token = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=2048,
        trim_whitespace=True,
        style={"input_type": "password"},
        help_text=(
            "A Meta system-user access token that sees this WABA. Meta is asked to confirm it "
            "(400 when it cannot see the WABA; nothing is saved). It is stored encrypted and "
            "never shown again. With it, a WABA id that another organization registered without "
            "proof is claimed; a proven one cannot be."
        ),
    )


class PhoneNumberSerializer(serializers.ModelSerializer):
    business_account = serializers.PrimaryKeyRelatedField(queryset=BusinessAccount.objects.none())

    class Meta:
        model = PhoneNumber
        fields = [
            "id",
            "business_account",
            "phone_number_id",
            "display_phone_number",
            "verified_name",
        ]

    def __init__(self, *args, accounts=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if accounts is not None:
            self.fields["business_account"].queryset = accounts


class TemplateCreateSerializer(serializers.Serializer):
    """A template's fields as given; what Meta accepts (a name of lowercase letters, digits and
    underscores, a language code, a category, a 64-bit id…) `check_new_template` says."""

    name = serializers.CharField(
        max_length=512, help_text="Lowercase letters, digits and underscores, as Meta requires."
    )
    language = serializers.CharField(
        max_length=16, help_text="Meta's language code, e.g. en_US (en-US is read as en_US)."
    )
    category = serializers.ChoiceField(choices=TemplateCategory.choices)
    meta_template_id = serializers.CharField(
        max_length=19,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="Meta's id of the template, when it has one: a 64-bit integer.",
    )


class TemplateSerializer(serializers.ModelSerializer):
    phone_number = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="The number it was created on; null for a template learned from Meta.",
    )
    business_account = serializers.PrimaryKeyRelatedField(read_only=True)
    last_event_at = serializers.DateTimeField(read_only=True, allow_null=True)
    open_alerts = serializers.IntegerField(
        read_only=True, default=0, help_text="Alerts of this template not resolved yet."
    )
    reason = serializers.SerializerMethodField(
        help_text='Why it stands where it does, as a sentence ("All is well" when it does); '
        "the same words as the dashboard, the admin and the notifications."
    )
    action_required = serializers.SerializerMethodField(
        help_text='What to do about it, as a sentence; "" when nothing is to be done.'
    )

    class Meta:
        model = WhatsAppTemplate
        fields = [
            "id",
            "name",
            "language",
            "category",
            "meta_template_id",
            "business_account",
            "phone_number",
            "status",
            "quality_score",
            "rejection_reason",
            "rejection_recommendation",
            "disabled_reason",
            "disable_date",
            "paused_title",
            "pause_description",
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
            "last_event_at",
            "open_alerts",
            "reason",
            "action_required",
            "sent_count",
            "delivered_count",
            "read_count",
            "failed_count",
            "counts_updated_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, template: WhatsAppTemplate) -> dict:
        # Why and what to do come from one guidance per template, read by both fields.
        self._guidance = template_guidance(template)
        return super().to_representation(template)

    def get_reason(self, template: WhatsAppTemplate) -> str:
        return self._guidance.why

    def get_action_required(self, template: WhatsAppTemplate) -> str:
        return self._guidance.what_to_do


class PauseSerializer(serializers.Serializer):
    title = serializers.CharField(help_text="Meta's other_info.title: FIRST_PAUSE, SECOND_PAUSE…")
    description = serializers.CharField(help_text="Meta's own words.")
    paused_at = serializers.DateTimeField()
    expected_back_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    ended_by = serializers.CharField()


class PauseLadderSerializer(serializers.Serializer):
    sentence = serializers.CharField(help_text='The ladder in a line, "" when nothing to say.')
    quality_pauses = serializers.IntegerField(
        help_text="Quality pauses in Meta's window: at 2, the next RED rating disables it."
    )
    summary = serializers.CharField()
    expected_back_at = serializers.DateTimeField(allow_null=True)
    expected_back = serializers.CharField()
    disable_warning = serializers.CharField()
    can_be_unpaused = serializers.BooleanField()
    critical = serializers.BooleanField(help_text="Its next step on the ladder is a disable.")
    pauses = PauseSerializer(many=True)


class TemplateDetailSerializer(TemplateSerializer):
    """One template, with its place on Meta's pause ladder."""

    pause_ladder = serializers.SerializerMethodField()

    class Meta(TemplateSerializer.Meta):
        fields = [*TemplateSerializer.Meta.fields, "pause_ladder"]
        read_only_fields = fields

    @extend_schema_field(PauseLadderSerializer)
    def get_pause_ladder(self, template: WhatsAppTemplate) -> dict:
        return PauseLadderSerializer(pause_ladder_of(template).as_dict()).data


class UnpauseAnswerSerializer(serializers.Serializer):
    accepted = serializers.BooleanField(help_text="Meta answered `success: true`.")
    detail = serializers.CharField(source="message", help_text="Meta's answer, in a sentence.")


class SyncRunSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    trigger_display = serializers.CharField(source="get_trigger_display", read_only=True)
    errors = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = SyncRun
        fields = [
            "id",
            "status",
            "status_display",
            "trigger",
            "trigger_display",
            "requested_at",
            "started_at",
            "finished_at",
            "pages",
            "templates_seen",
            "changes_applied",
            "templates_created",
            "templates_deleted",
            "listing_complete",
            "errors",
        ]
        read_only_fields = fields


class ReportQuerySerializer(serializers.Serializer):
    """A report's query; `organization_id` is the organization it is read for (see
    `viewed_organization_id`). Needs the request in its context."""

    organization = serializers.UUIDField(
        required=False,
        help_text="The organization to report on: required of a super admin without one.",
    )

    def validate(self, attrs: dict) -> dict:
        user = self.context["request"].user
        return {**attrs, "organization_id": viewed_organization_id(user, attrs.get("organization"))}


class CriticalTemplatesQuerySerializer(ReportQuerySerializer):
    limit = serializers.IntegerField(
        min_value=1,
        max_value=1000,
        required=False,
        help_text="How many of the most severe to list (all by default); `total_critical` "
        "counts them all.",
    )


class CriticalTemplateSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    language = serializers.CharField()
    status = serializers.ChoiceField(choices=TemplateStatus.choices)
    quality_score = serializers.ChoiceField(choices=QualityScore.choices)
    disabled_reason = serializers.CharField(
        allow_blank=True,
        help_text='Meta\'s reason for a disable, in words; "" when it gave none (no reason is '
        "ever null).",
    )
    disabled_at = serializers.DateTimeField(allow_null=True)
    paused_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField(
        help_text="Why, as a sentence: its status, its quality, or what blocks its account or "
        "number (the same words as everywhere PyTake shows the template)."
    )
    sent_count = serializers.IntegerField()
    failed_count = serializers.IntegerField()
    failure_rate = serializers.FloatField(
        allow_null=True, help_text="failed / sent, 3 places; null when nothing was sent."
    )
    campaigns_affected = serializers.IntegerField(
        help_text="Its campaigns that are ACTIVE or SCHEDULED, or PAUSED because of it."
    )
    open_alerts = serializers.IntegerField(help_text="Its alerts not yet resolved.")
    action_required = serializers.CharField(help_text="What to do about it, as a sentence.")
    last_event_at = serializers.DateTimeField(allow_null=True)
    campaigns_switched = serializers.IntegerField(
        help_text="Its campaigns that moved to a fallback template and send from there."
    )
    campaigns_summary = serializers.CharField(
        help_text='e.g. "2 campaigns moved to a fallback, 1 paused"; "" for none.'
    )
    what_comes_next = serializers.CharField(
        help_text="Its place on Meta's pause ladder: pauses so far, when it is expected back, "
        "the day Meta disables a flagged template."
    )

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        # One convention across the API: no reason is "", nothing sent is a null rate.
        data["disabled_reason"] = data["disabled_reason"] or ""
        if not data["sent_count"]:
            data["failure_rate"] = None
        return data


class CriticalTemplatesSerializer(serializers.Serializer):
    critical_templates = CriticalTemplateSerializer(many=True)
    total_critical = serializers.IntegerField()
    timestamp = serializers.DateTimeField()


class QualityDistributionSerializer(serializers.Serializer):
    GREEN = serializers.IntegerField()
    YELLOW = serializers.IntegerField()
    RED = serializers.IntegerField()
    UNKNOWN = serializers.IntegerField()


class QualityCountsSerializer(serializers.Serializer):
    total_templates = serializers.IntegerField()
    approved = serializers.IntegerField()
    pending = serializers.IntegerField()
    rejected = serializers.IntegerField()
    disabled = serializers.IntegerField()
    paused = serializers.IntegerField()
    flagged = serializers.IntegerField()
    quality_distribution = QualityDistributionSerializer()
    avg_success_rate = serializers.FloatField(
        allow_null=True, help_text="1 - avg_failure_rate; null when nothing was sent."
    )
    avg_failure_rate = serializers.FloatField(
        allow_null=True,
        help_text="The mean of failed / sent over the templates that sent; null when none did.",
    )

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not data["total_messages_sent"]:
            data["avg_success_rate"] = data["avg_failure_rate"] = None
        return data

    total_messages_sent = serializers.IntegerField()
    total_messages_failed = serializers.IntegerField()
