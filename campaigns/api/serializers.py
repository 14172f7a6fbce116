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


class CampaignDetailSerializer(CampaignSerializer):
    """One campaign, with its fallback templates and where it sends from."""

    fallback_templates = serializers.SerializerMethodField(
        help_text="Tried in this order when Meta blocks the campaign's template."
    )
    original_template = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="The template it was created with, while it sends through a fallback; else null.",
    )

    class Meta(CampaignSerializer.Meta):
        fields = [
            *CampaignSerializer.Meta.fields,
            "fallback_templates",
            "original_template",
            "switch_back",
            "switched_at",
            "switch_reason",
        ]
        read_only_fields = fields

    def get_fallback_templates(self, campaign: Campaign) -> list[str]:
        return [str(pk) for pk in campaign.fallbacks.values_list("template_id", flat=True)]


class CampaignFallbacksSerializer(serializers.Serializer):
    templates = serializers.PrimaryKeyRelatedField(
        queryset=WhatsAppTemplate.objects.none(),
        many=True,
        help_text="The fallback templates, first tried first; [] for none.",
    )
    switch_back = serializers.BooleanField(
        default=False,
        help_text="Return to the campaign's own template when Meta lets it send again.",
    )

    def __init__(self, *args, templates=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if templates is not None:
            self.fields["templates"].child_relation.queryset = templates


class CampaignSwitchSerializer(serializers.Serializer):
    template = serializers.PrimaryKeyRelatedField(
        queryset=WhatsAppTemplate.objects.none(),
        help_text="One of the campaign's fallbacks, or its original template.",
    )

    def __init__(self, *args, templates=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if templates is not None:
            self.fields["template"].queryset = templates
