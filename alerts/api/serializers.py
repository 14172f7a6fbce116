from __future__ import annotations

from rest_framework import serializers

from alerts.models import Alert, NotificationChannel, NotificationDelivery


class AlertSerializer(serializers.ModelSerializer):
    # Empty for an alert about a business account itself.
    template_name = serializers.CharField(
        source="template.name", read_only=True, allow_null=True, default=None
    )
    template_language = serializers.CharField(
        source="template.language", read_only=True, allow_null=True, default=None
    )
    acknowledged_by = serializers.EmailField(
        source="acknowledged_by.email", read_only=True, allow_null=True, default=None
    )
    resolved_by = serializers.EmailField(
        source="resolved_by.email", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Alert
        fields = [
            "id",
            "kind",
            "severity",
            "status",
            "title",
            "data",
            "template",
            "template_name",
            "template_language",
            "business_account",
            "occurrences",
            "created_at",
            "last_seen_at",
            "acknowledged_at",
            "acknowledged_by",
            "resolved_at",
            "resolved_by",
            "resolution",
        ]
        read_only_fields = fields


class AlertResolveSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why, for the trail.",
    )


class TemplateAlertAcknowledgedSerializer(serializers.Serializer):
    message = serializers.CharField()
    template_id = serializers.UUIDField()
    acknowledged_at = serializers.DateTimeField()
    acknowledged_by = serializers.EmailField(help_text="The email of who acknowledged.")


class NotificationChannelSerializer(serializers.ModelSerializer):
    """URLs and secrets are write-only: once saved, the API only says whether they are set.

    What a channel must be (a URL for Slack, a signing secret for a webhook…) is checked by
    `channels.check_channel` when it is saved, for the admin too.
    """

    recipients = serializers.ListField(
        child=serializers.EmailField(max_length=254), required=False, max_length=50
    )
    url = serializers.CharField(max_length=1000, required=False, allow_blank=True, write_only=True)
    secret = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        write_only=True,
        trim_whitespace=True,
        help_text="Webhook channels: the Standard Webhooks signing secret (whsec_…).",
    )
    has_url = serializers.SerializerMethodField()
    has_secret = serializers.SerializerMethodField()

    class Meta:
        model = NotificationChannel
        fields = [
            "id",
            "name",
            "kind",
            "recipients",
            "url",
            "secret",
            "has_url",
            "has_secret",
            "min_severity",
            "enabled",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_has_url(self, channel: NotificationChannel) -> bool:
        return bool(channel.url)

    def get_has_secret(self, channel: NotificationChannel) -> bool:
        return bool(channel.secret)


class NotificationDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = NotificationDelivery
        fields = [
            "id",
            "kind",
            "status",
            "attempts",
            "last_error",
            "next_attempt_at",
            "sent_at",
            "created_at",
        ]
        read_only_fields = fields


class ChannelTestOutcomeSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="The outcome, in a sentence.")
    delivery = NotificationDeliverySerializer()
