from django.core.management.base import BaseCommand

from alerts import tasks


class Command(BaseCommand):
    help = (
        "Send the notifications that are due: retries whose wait is over and digests whose "
        "minute has passed. Needed where the task backend cannot defer (the immediate one); "
        "harmless beside a worker, which it never doubles."
    )

    def handle(self, *args, **options) -> None:
        outcomes = tasks.send_due()
        summary = ", ".join(f"{count} {status}" for status, count in sorted(outcomes.items()))
        self.stdout.write(f"Due notifications: {summary or 'none'}.")
