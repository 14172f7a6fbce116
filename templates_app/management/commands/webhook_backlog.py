from django.core.management.base import BaseCommand
from django.utils import timezone

from templates_app.services.deliveries import backlog


class Command(BaseCommand):
    help = (
        "How many webhook deliveries wait to be applied (received or failed) and the age of the "
        "oldest: with WEBHOOK_PROCESSING=async a growing backlog means the workers are down."
    )

    def handle(self, *args, **options) -> None:
        waiting = backlog()
        counts, oldest = waiting["counts"], waiting["oldest_received_at"]
        if not counts:
            self.stdout.write("No delivery waits to be applied.")
            return
        for status, count in sorted(counts.items()):
            self.stdout.write(f"{count} {status}")
        age = timezone.now() - oldest
        self.stdout.write(
            f"Oldest received {oldest.isoformat()} ({int(age.total_seconds())} s ago)."
        )
