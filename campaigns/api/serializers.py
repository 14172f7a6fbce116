from rest_framework import serializers

from campaigns.models import Campaign
from templates_app.models import WhatsAppTemplate


class CampaignCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    template = serializers.PrimaryKeyRelatedField(queryset=WhatsAppTemplate.objects.none())
    status = serializers.ChoiceField(
        choices=[Campaign.Status.DRAFT, Campaign.Status.SCHEDULED, Campaign.Status.ACTIVE],
        default=Campaign.Status.DRAFT,
    )
    auto_resume = serializers.BooleanField(default=False)

    def __init__(self, *args, templates=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if templates is not None:
            self.fields["template"].queryset = templates


class CampaignSerializer(serializers.ModelSerializer):
    template = serializers.PrimaryKeyRelatedField(read_only=True)
    template_name = serializers.CharField(source="template.name", read_only=True)
    template_status = serializers.CharField(source="template.status", read_only=True)
    resumable = serializers.BooleanField(read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "template",
            "template_name",
            "template_status",
            "status",
            "pause_reason",
            "paused_at",
            "paused_by_template",
            "resumable",
            "auto_resume",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CampaignPauseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, help_text="Why the campaign is paused.")
