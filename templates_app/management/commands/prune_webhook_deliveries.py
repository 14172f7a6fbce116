from datetime import timedelta

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from templates_app.services.deliveries import prune_deliveries


class Command(BaseCommand):
    help = (
        "Delete processed and ignored webhook deliveries older than --days (default 90). "
        "Failed and unprocessed deliveries are kept: they still hold news from Meta."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=90)

    def handle(self, *args, days: int, **options) -> None:
        deleted = prune_deliveries(older_than=timezone.now() - timedelta(days=days))
        self.stdout.write(
            self.style.SUCCESS(f"Deleted {deleted} deliveries older than {days} days.")
        )
