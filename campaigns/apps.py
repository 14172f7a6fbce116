from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "Campaigns"

    def ready(self) -> None:
        from campaigns import receivers
        from templates_app.signals import template_status_changed

        template_status_changed.connect(
            receivers.template_status_changed, dispatch_uid="campaigns.template_status_changed"
        )
