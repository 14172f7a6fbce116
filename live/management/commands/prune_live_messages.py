from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from live.services import prune_live_messages


class Command(BaseCommand):
    help = (
        "Delete live messages older than --days (default LIVE_MESSAGE_RETENTION_DAYS, 7). A "
        "browser that resumes from one of them is told to reload instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=settings.LIVE_MESSAGE_RETENTION_DAYS)

    def handle(self, *args, days: int, **options) -> None:
        deleted = prune_live_messages(older_than=timezone.now() - timedelta(days=days))
        self.stdout.write(
            self.style.SUCCESS(f"Deleted {deleted} live messages older than {days} days.")
        )
