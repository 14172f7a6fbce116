from __future__ import annotations

from rest_framework import serializers

from organizations.permissions import viewed_organization_id
from templates_app.models import (
    BusinessAccount,
    PhoneNumber,
    QualityScore,
    SyncRun,
    TemplateCategory,
    TemplateStatus,
    WhatsAppTemplate,
)
from templates_app.services.templates import canonical_language


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
    waba_id = serializers.RegexField(
        r"^\d{1,32}$",
        max_length=32,
        error_messages={"invalid": "A WABA id is Meta's number, digits only."},
    )
    name = serializers.CharField(max_length=200)
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


INT64_MAX = 2**63 - 1


class TemplateCreateSerializer(serializers.Serializer):
    name = serializers.RegexField(
        r"^[a-z0-9_]+$",
        max_length=512,
        error_messages={"invalid": "Use lowercase letters, digits and underscores, as Meta does."},
    )
    language = serializers.RegexField(r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})?$", max_length=16)
    category = serializers.ChoiceField(choices=TemplateCategory.choices)
    meta_template_id = serializers.RegexField(
        r"^\d{1,19}$", required=False, allow_null=True, allow_blank=True
    )

    def __init__(self, *args, phone_number: PhoneNumber | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.phone_number = phone_number

    def validate_meta_template_id(self, value: str | None) -> str | None:
        if not value:
            return None
        if int(value) > INT64_MAX:
            raise serializers.ValidationError("Meta template ids are 64-bit integers.")
        # Only within the caller's own business account: whether another organization uses an
        # id is none of the caller's business, and cannot block them.
        taken = WhatsAppTemplate.objects.filter(
            business_account_id=self.phone_number.business_account_id,
            meta_template_id=value,
            deleted_at__isnull=True,
        )
        if taken.exists():
            raise serializers.ValidationError(
                "This business account already has a template with this Meta id."
            )
        return value

    def validate(self, attrs: dict) -> dict:
        attrs["language"] = canonical_language(attrs["language"])
        duplicate = WhatsAppTemplate.objects.filter(
            business_account_id=self.phone_number.business_account_id,
            name=attrs["name"],
            language=attrs["language"],
            deleted_at__isnull=True,
        )
        if duplicate.exists():
            raise serializers.ValidationError(
                {
                    "name": "This business account already has a template with this name "
                    "and language."
                }
            )
        return attrs


class TemplateSerializer(serializers.ModelSerializer):
    phone_number = serializers.PrimaryKeyRelatedField(read_only=True)
    business_account = serializers.PrimaryKeyRelatedField(read_only=True)
    last_event_at = serializers.DateTimeField(read_only=True, allow_null=True)
    open_alerts = serializers.IntegerField(
        read_only=True, default=0, help_text="Alerts of this template not resolved yet."
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
            "sent_count",
            "delivered_count",
            "read_count",
            "failed_count",
            "counts_updated_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


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
        allow_null=True, help_text="Meta's reason for a disable, in words; null when it gave none."
    )
    disabled_at = serializers.DateTimeField(allow_null=True)
    paused_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField(help_text="Why, as a sentence: its status or its quality.")
    sent_count = serializers.IntegerField()
    failed_count = serializers.IntegerField()
    failure_rate = serializers.FloatField(help_text="failed / sent, 3 places; 0.0 if none sent.")
    campaigns_affected = serializers.IntegerField(
        help_text="Its campaigns that are ACTIVE or SCHEDULED, or PAUSED because of it."
    )
    open_alerts = serializers.IntegerField(help_text="Its alerts not yet resolved.")
    action_required = serializers.CharField()
    last_event_at = serializers.DateTimeField(allow_null=True)


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
    avg_success_rate = serializers.FloatField()
    avg_failure_rate = serializers.FloatField()
    total_messages_sent = serializers.IntegerField()
    total_messages_failed = serializers.IntegerField()
