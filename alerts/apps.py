from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        # Connected after the campaigns app's receiver (campaigns comes first in INSTALLED_APPS),
        # so an alert counts the campaigns the same event paused.
        from alerts import receivers
        from templates_app.signals import (
            business_account_released,
            business_account_token_invalid,
            template_correct_category_detected,
            template_quality_changed,
            template_status_changed,
        )

        template_status_changed.connect(
            receivers.template_status_changed, dispatch_uid="alerts.template_status_changed"
        )
        template_quality_changed.connect(
            receivers.template_quality_changed, dispatch_uid="alerts.template_quality_changed"
        )
        template_correct_category_detected.connect(
            receivers.template_correct_category_detected,
            dispatch_uid="alerts.template_correct_category_detected",
        )
        for signal, name in (
            (business_account_token_invalid, "token_invalid"),
            (business_account_released, "released"),
        ):
            signal.connect(receivers.business_account_event, dispatch_uid=f"alerts.account_{name}")
