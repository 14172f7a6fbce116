from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = "Organizations"

    def ready(self) -> None:
        from organizations import receivers
        from organizations.broadcast import TEMPLATE_CHANGE_MESSAGES
        from templates_app.signals import SIGNALS_BY_KIND

        for kind in TEMPLATE_CHANGE_MESSAGES:
            SIGNALS_BY_KIND[kind].connect(
                receivers.template_changed, dispatch_uid=f"organizations.live_template_{kind}"
            )
