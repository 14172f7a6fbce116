from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from django.contrib.admin.models import LogEntry
        from django.db.models.signals import post_save

        from audit import receivers
        from templates_app.signals import template_quality_changed, template_status_changed

        template_status_changed.connect(
            receivers.template_status_changed, dispatch_uid="audit.template_status_changed"
        )
        template_quality_changed.connect(
            receivers.template_quality_changed, dispatch_uid="audit.template_quality_changed"
        )
        post_save.connect(
            receivers.admin_log_entry_saved, sender=LogEntry, dispatch_uid="audit.admin_log_entry"
        )
