"""Template signals: how other apps hear of Meta's news without templates_app knowing them.

Both are sent inside the transaction that applied the event, after the template row is saved,
so a receiver's writes commit or roll back with it.
"""

from django.dispatch import Signal

# kwargs: template (WhatsAppTemplate), previous_status (str), new_status (str),
#         event (templates_app.meta.StatusUpdate), delivery (WebhookDelivery | None)
template_status_changed = Signal()

# kwargs: template (WhatsAppTemplate), previous_quality (str), new_quality (str),
#         event (templates_app.meta.QualityUpdate), delivery (WebhookDelivery | None)
template_quality_changed = Signal()
