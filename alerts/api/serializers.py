from __future__ import annotations

import base64
import binascii
from typing import Any

from rest_framework import serializers

from alerts.models import Alert, NotificationChannel, NotificationDelivery
from alerts.notify.http import UnsafeURLError, check_url


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


SECRET_PREFIX = "whsec_"


def _check_signing_secret(secret: str) -> None:
    # Standard Webhooks secrets: "whsec_" and base64 of 24 to 64 random bytes.
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise serializers.ValidationError(
            {"secret": "Use a Standard Webhooks secret: whsec_ followed by base64."}
        ) from exc
    if not secret.startswith(SECRET_PREFIX) or not 24 <= len(key) <= 64:
        raise serializers.ValidationError(
            {"secret": "Use a Standard Webhooks secret: whsec_ and 24 to 64 bytes in base64."}
        )


class NotificationChannelSerializer(serializers.ModelSerializer):
    """URLs and secrets are write-only: once saved, the API only says whether they are set."""

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

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instance = self.instance
        if instance is not None and "kind" in attrs and attrs["kind"] != instance.kind:
            raise serializers.ValidationError({"kind": "A channel keeps its kind: add a new one."})

        def value(name: str) -> Any:
            return attrs[name] if name in attrs else getattr(instance, name, None)

        kind = value("kind")
        if kind == NotificationChannel.Kind.EMAIL:
            if not value("recipients"):
                raise serializers.ValidationError({"recipients": "Name at least one address."})
            if value("url") or value("secret"):
                raise serializers.ValidationError(
                    {"detail": "An email channel takes recipients, not a URL or a secret."}
                )
            return attrs
        url = value("url")
        if not url:
            raise serializers.ValidationError({"url": "This channel needs a URL."})
        if "url" in attrs:
            try:
                check_url(url)
            except UnsafeURLError as exc:
                raise serializers.ValidationError({"url": str(exc)}) from exc
        if kind == NotificationChannel.Kind.WEBHOOK:
            if not value("secret"):
                raise serializers.ValidationError(
                    {"secret": "A webhook channel needs its signing secret."}
                )
            if "secret" in attrs:
                _check_signing_secret(attrs["secret"])
        elif value("secret"):
            raise serializers.ValidationError({"secret": "Only webhook channels take a secret."})
        if value("recipients"):
            raise serializers.ValidationError({"recipients": "Only email channels take these."})
        return attrs


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
