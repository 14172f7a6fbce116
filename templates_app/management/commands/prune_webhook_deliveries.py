from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from templates_app.services.deliveries import prune_deliveries


class Command(BaseCommand):
    help = (
        "Delete processed, ignored and rejected webhook deliveries older than --days (default "
        "WEBHOOK_RETENTION_DAYS, 90), ignored ones already after WEBHOOK_IGNORED_RETENTION_DAYS "
        "(default 7). Failed and unprocessed deliveries are kept: they still hold news from Meta."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=settings.WEBHOOK_RETENTION_DAYS)

    def handle(self, *args, days: int, **options) -> None:
        now = timezone.now()
        ignored_days = settings.WEBHOOK_IGNORED_RETENTION_DAYS
        deleted = prune_deliveries(
            older_than=now - timedelta(days=days),
            ignored_older_than=now - timedelta(days=ignored_days),
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Deleted {deleted} deliveries older than {days} days "
                f"(ignored ones older than {ignored_days} days)."
            )
        )
