import time

import httpx
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dashboard.demo import DEMO_PHONE_NUMBER_ID
from templates_app.models import PhoneNumber


class Command(BaseCommand):
    help = (
        "Wait until the server at --url answers, then print where to go (`make run` starts it "
        "in the background, so the banner comes last, after the server's start-up output)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000/")
        parser.add_argument("--timeout", type=float, default=60.0, help="Seconds to wait.")

    def handle(self, *args, url: str, timeout: float, **options) -> None:
        url = url.rstrip("/")
        deadline = time.monotonic() + timeout
        while True:
            try:
                httpx.get(f"{url}/admin/login/", timeout=2)
                break
            except httpx.TransportError as exc:
                if time.monotonic() >= deadline:
                    raise CommandError(f"Nothing answered on {url} within {timeout:g} s.") from exc
                time.sleep(0.25)
        number = PhoneNumber.objects.filter(phone_number_id=DEMO_PHONE_NUMBER_ID).first()
        lines = [
            "",
            f"  PyTake is ready on {url}/",
            f"  Dashboard: {url}/dashboard/   (log in as admin / admin)",
            f"  Admin:     {url}/admin/       (admin / admin)",
            f"  API docs:  {url}/api/docs/    (API root: {url}/api/v1/)",
            f"  Webhook:   {url}/api/v1/whatsapp/webhook",
        ]
        if number is not None:
            lines.append(
                f"  Demo number {number.display_phone_number}: "
                f"{url}/api/v1/whatsapp/{number.pk}/templates/"
            )
        lines += ["  Stop with Ctrl-C.", ""]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
