from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from organizations.models import Organization


class LiveMessage(models.Model):
    """One live update of an organization, kept so a browser that reconnects can replay it.

    Written by `live.broadcast` in the transaction of the change it announces, so a rolled-back
    change leaves no message. The id orders an organization's messages: it is the `id` of the
    frame and the `since` of a resume.
    """

    id = models.BigAutoField(primary_key=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="live_messages"
    )
    type = models.CharField(max_length=64)
    payload = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # The table the model had when it lived in `organizations`: its rows stay where they are.
        db_table = "organizations_livemessage"
        ordering = ["id"]
        indexes = [models.Index(fields=["organization", "id"], name="live_message_org_id_idx")]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"
