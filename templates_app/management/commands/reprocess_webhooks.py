from django.core.management.base import BaseCommand, CommandError, CommandParser

from templates_app.models import WebhookDelivery
from templates_app.services.deliveries import process_delivery


class Command(BaseCommand):
    help = (
        "Apply stored webhook deliveries again: by default every one not yet processed "
        "(received or failed); --failed only failed ones; --id N one delivery, whatever its status."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--failed", action="store_true", help="Only failed deliveries.")
        parser.add_argument("--id", type=int, action="append", dest="ids", help="Delivery id.")

    def handle(self, *args, failed: bool, ids: list[int] | None, **options) -> None:
        if ids:
            deliveries = WebhookDelivery.objects.filter(pk__in=ids)
            missing = set(ids) - set(deliveries.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"No delivery with id {', '.join(map(str, sorted(missing)))}.")
        elif failed:
            deliveries = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.FAILED)
        else:
            deliveries = WebhookDelivery.objects.filter(
                status__in=[WebhookDelivery.Status.RECEIVED, WebhookDelivery.Status.FAILED]
            )
        counts: dict[str, int] = {}
        for delivery in deliveries.order_by("received_at", "pk"):
            result = process_delivery(delivery=delivery, force=bool(ids))
            counts[result.status] = counts.get(result.status, 0) + 1
            self.stdout.write(f"delivery {result.pk}: {result.status}")
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing"
        self.stdout.write(self.style.SUCCESS(f"Reprocessed: {summary}."))
        if counts.get(WebhookDelivery.Status.FAILED):
            raise CommandError("Some deliveries failed again; see their error in the admin.")
