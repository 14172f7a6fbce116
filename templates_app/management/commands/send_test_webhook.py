import time

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from templates_app.meta import (
    SIGNATURE_HEADER,
    QualityScore,
    StatusEvent,
    encode,
    quality_update_body,
    sign,
    status_update_body,
)
from templates_app.meta.sending_path import DEMO_PATH_EVENTS, demo_path_body
from templates_app.models import BusinessAccount, WhatsAppTemplate

QUALITY = "QUALITY"
EVENTS = [*(event.value for event in StatusEvent), QUALITY, *DEMO_PATH_EVENTS]
QUALITIES = [quality.value for quality in QualityScore]


def one_of(values: list[str]) -> str:
    """`A, B or C`: choices as a person reads them."""
    return f"{', '.join(values[:-1])} or {values[-1]}" if len(values) > 1 else values[0]


class Command(BaseCommand):
    help = (
        "POST a signed, Meta-shaped template event for a template of this database to a "
        "running server, and print the answer. EVENT is a status event (PAUSED, REINSTATED, ...) "
        "or QUALITY with --quality; or news of the sending path for the demo account and its "
        "first number (FLAGGED_NUMBER, RESTRICTED, REINSTATE_ACCOUNT, ...), with no template."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        # Checked in handle(): argparse would list the choices as Python reprs.
        parser.add_argument("event", metavar="EVENT", help=f"{one_of(EVENTS)}.")
        parser.add_argument("template_name", metavar="TEMPLATE_NAME", nargs="?")
        parser.add_argument(
            "--waba",
            default=None,
            help="The account of a sending-path event (default: the first with a number).",
        )
        parser.add_argument("--quality", default=None, help=f"{one_of(QUALITIES)}.")
        parser.add_argument("--reason", default="NONE", help="Meta's reason (status events).")
        parser.add_argument("--language", default=None, help="When the name has several.")
        parser.add_argument("--url", default="http://127.0.0.1:8000/api/v1/whatsapp/webhook")

    def handle(self, *args, event: str, template_name: str, quality: str | None, **options):
        app_secret = settings.WHATSAPP_WEBHOOK_APP_SECRET
        if not app_secret:
            raise CommandError("WHATSAPP_WEBHOOK_APP_SECRET is not set: nothing to sign with.")
        event = event.upper()
        if event not in EVENTS:
            raise CommandError(f"Unknown EVENT {event}: use {one_of(EVENTS)}.")
        if quality is not None:
            quality = quality.upper()
            if quality not in QUALITIES:
                raise CommandError(f"Unknown --quality {quality}: use {one_of(QUALITIES)}.")
        if (event == QUALITY) != (quality is not None):
            raise CommandError("Use --quality with EVENT QUALITY, and only then.")
        if event in DEMO_PATH_EVENTS:
            self._post(self._path_body(event, options["waba"]), options["url"], app_secret)
            return
        if not template_name:
            raise CommandError("A template event needs TEMPLATE_NAME.")
        template = self._template(template_name, options["language"])
        common = {
            "waba_id": template.business_account.waba_id,
            "template_id": template.meta_template_id,
            "name": template.name,
            "language": template.language,
            "occurred_at": int(time.time()),
        }
        if event == QUALITY:
            body = quality_update_body(
                new_quality=quality, previous_quality=template.quality_score, **common
            )
        else:
            body = status_update_body(event=event, reason=options["reason"], **common)
        self._post(body, options["url"], app_secret)

    def _path_body(self, event: str, waba_id: str | None) -> dict:
        accounts = BusinessAccount.objects.filter(released_at__isnull=True)
        if waba_id:
            accounts = accounts.filter(waba_id=waba_id)
        else:
            accounts = accounts.filter(phone_numbers__isnull=False).order_by("created_at")
        account = accounts.first()
        if account is None:
            raise CommandError(f"No business account {waba_id or 'with a number'} (make demo).")
        number = account.phone_numbers.order_by("display_phone_number").first()
        return demo_path_body(
            event,
            waba_id=account.waba_id,
            display_phone_number=number.display_phone_number if number else "",
            now=int(time.time()),
        )

    def _post(self, body: dict, url: str, app_secret: str) -> None:
        raw = encode(body)
        self.stdout.write(f"POST {url}\n{raw.decode()}")
        try:
            response = httpx.post(
                url,
                content=raw,
                headers={
                    "Content-Type": "application/json",
                    SIGNATURE_HEADER: sign(raw, app_secret=app_secret),
                },
                timeout=10,
            )
        except httpx.HTTPError as exc:
            raise CommandError(f"Could not reach {url}: {exc}") from exc
        self.stdout.write(f"{response.status_code} {response.text}")
        if response.is_error:
            raise CommandError(f"The server answered {response.status_code}.")
        self.stdout.write(self._what_it_did(response))

    def _what_it_did(self, response: httpx.Response) -> str:
        try:
            answer = response.json()
            counts = [answer[key] for key in ("changes", "campaigns_paused", "alerts_raised")]
        except (ValueError, KeyError, TypeError):
            return "The server did not say what it did."
        changes, paused, alerts = counts
        return (
            f"Delivery {answer.get('delivery')} {answer.get('status')}: "
            f"{changes} {'change' if changes == 1 else 'changes'} applied, "
            f"{paused} {'campaign' if paused == 1 else 'campaigns'} paused, "
            f"{alerts} {'alert' if alerts == 1 else 'alerts'} raised."
        )

    def _template(self, name: str, language: str | None) -> WhatsAppTemplate:
        templates = WhatsAppTemplate.objects.filter(name=name, deleted_at__isnull=True)
        if language:
            templates = templates.filter(language=language)
        matches = list(templates.select_related("business_account")[:2])
        if not matches:
            raise CommandError(f"No template named {name!r}. {self._existing_templates()}")
        if len(matches) > 1:
            raise CommandError(f"Several templates are named {name!r}: add --language.")
        return matches[0]

    def _existing_templates(self) -> str:
        existing = [
            f"{template.name} ({template.language})"
            for template in WhatsAppTemplate.objects.filter(deleted_at__isnull=True).order_by(
                "name", "language"
            )[:50]
        ]
        if not existing:
            return "This database has no template yet: `make demo` creates the demo's."
        return f"Templates here: {', '.join(existing)}."
