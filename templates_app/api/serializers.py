from __future__ import annotations

from rest_framework import serializers

from templates_app.models import BusinessAccount, PhoneNumber, TemplateCategory, WhatsAppTemplate
from templates_app.services.templates import canonical_language


class BusinessAccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = BusinessAccount
        fields = ["id", "waba_id", "name"]


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
            "failed_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
