from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from django.contrib.admin.models import LogEntry
        from django.db.models.signals import post_save

        from audit import receivers
        from templates_app.signals import ACCOUNT_SIGNALS_BY_KIND, SIGNALS_BY_KIND, template_deleted

        for kind, signal in SIGNALS_BY_KIND.items():
            signal.connect(receivers.template_changed, dispatch_uid=f"audit.template_{kind}")
        template_deleted.connect(receivers.template_deleted, dispatch_uid="audit.template_deleted")
        for kind, signal in ACCOUNT_SIGNALS_BY_KIND.items():
            signal.connect(receivers.business_account_event, dispatch_uid=f"audit.account_{kind}")
        post_save.connect(
            receivers.admin_log_entry_saved, sender=LogEntry, dispatch_uid="audit.admin_log_entry"
        )
