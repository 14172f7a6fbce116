from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = "Organizations"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed
        from django.db.models.signals import post_save, pre_save

        from live.broadcast import TEMPLATE_CHANGE_MESSAGES
        from organizations import receivers
        from organizations.models import User
        from templates_app.signals import SIGNALS_BY_KIND

        for kind in TEMPLATE_CHANGE_MESSAGES:
            SIGNALS_BY_KIND[kind].connect(
                receivers.template_changed, dispatch_uid=f"organizations.live_template_{kind}"
            )
        user_login_failed.connect(receivers.login_failed, dispatch_uid="organizations.login_failed")
        pre_save.connect(
            receivers.user_about_to_be_saved,
            sender=User,
            dispatch_uid="organizations.user_about_to_be_saved",
        )
        post_save.connect(
            receivers.user_saved, sender=User, dispatch_uid="organizations.user_saved"
        )
