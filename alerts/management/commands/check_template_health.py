from datetime import timedelta

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from alerts.services import lifecycle


class Command(BaseCommand):
    help = (
        "Raise TEMPLATE_PENDING_TOO_LONG for every template waiting for Meta's review longer "
        "than --hours (48). Idempotent: run it from cron as often as you like."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=int, default=48)

    def handle(self, *args, hours: int, **options) -> None:
        raised = lifecycle.raise_pending_too_long(
            older_than=timezone.now() - timedelta(hours=hours)
        )
        for alert in raised:
            self.stdout.write(alert.title)
        self.stdout.write(f"{len(raised)} new alert(s).")
