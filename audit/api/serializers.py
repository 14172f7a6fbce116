from typing import Any

from rest_framework import serializers

from audit.actions import action_sentence
from audit.models import AuditLog
from templates_app.api.serializers import QualityCountsSerializer

MAX_OFFSET = 1_000_000_000


class AuditLogSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    action = serializers.CharField(
        read_only=True, help_text="The action's code, e.g. `template.status_changed`."
    )
    action_display = serializers.SerializerMethodField(
        help_text='The action as a sentence, e.g. "The template\'s status changed"; the admin '
        "shows the same words."
    )

    class Meta:
        model = AuditLog
        fields = [
            "id",
            "created_at",
            "actor_type",
            "actor",
            "action",
            "action_display",
            "target_type",
            "target_id",
            "target_name",
            "changes",
            "reason",
        ]
        read_only_fields = fields

    def get_action_display(self, entry: AuditLog) -> str:
        return action_sentence(entry.action)


class StatusHistoryQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=100)
    # Bounded so that the database never sees a number it cannot hold.
    offset = serializers.IntegerField(min_value=0, max_value=MAX_OFFSET, default=0)


class HistoryTemplateSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    current_status = serializers.CharField(source="status")
    current_quality = serializers.CharField(source="quality_score")


class HistoryRowSerializer(serializers.Serializer):
    timestamp = serializers.DateTimeField()
    event_type = serializers.CharField(allow_null=True)
    previous_status = serializers.CharField(allow_null=True)
    new_status = serializers.CharField(allow_null=True)
    quality_score = serializers.CharField(allow_null=True)
    reason = serializers.CharField(
        allow_blank=True, help_text='Why, in words; "" when none was given (never null).'
    )

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["reason"] = data["reason"] or ""
        return data


class StatusHistorySerializer(serializers.Serializer):
    template = HistoryTemplateSerializer()
    history = HistoryRowSerializer(many=True)
    total = serializers.IntegerField()
    limit = serializers.IntegerField()
    offset = serializers.IntegerField()


class QualityChangeSerializer(serializers.Serializer):
    template_id = serializers.CharField()
    name = serializers.CharField()
    language = serializers.CharField()
    previous = serializers.CharField(allow_null=True)
    new = serializers.CharField(allow_null=True)
    timestamp = serializers.DateTimeField()


class QualitySummarySerializer(serializers.Serializer):
    quality_summary = QualityCountsSerializer()
    recent_quality_changes = QualityChangeSerializer(many=True)
    timestamp = serializers.DateTimeField()
