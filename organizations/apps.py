from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = "Organizations"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out
        from django.db.models.signals import post_save, pre_save

        from organizations import receivers
        from organizations.models import User

        user_logged_out.connect(receivers.logged_out, dispatch_uid="organizations.logged_out")
        pre_save.connect(
            receivers.user_about_to_be_saved,
            sender=User,
            dispatch_uid="organizations.user_about_to_be_saved",
        )
        post_save.connect(
            receivers.user_saved, sender=User, dispatch_uid="organizations.user_saved"
        )
