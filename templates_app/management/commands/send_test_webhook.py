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
from templates_app.models import WhatsAppTemplate

QUALITY = "QUALITY"


class Command(BaseCommand):
    help = (
        "POST a signed, Meta-shaped template event for a template of this database to a "
        "running server, and print the answer. EVENT is a status event (PAUSED, REINSTATED, ...) "
        "or QUALITY with --quality."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("event", choices=[*StatusEvent, QUALITY], metavar="EVENT")
        parser.add_argument("template_name", metavar="TEMPLATE_NAME")
        parser.add_argument("--quality", choices=list(QualityScore), default=None)
        parser.add_argument("--reason", default="NONE", help="Meta's reason (status events).")
        parser.add_argument("--language", default=None, help="When the name has several.")
        parser.add_argument("--url", default="http://127.0.0.1:8000/api/v1/whatsapp/webhook")

    def handle(self, *args, event: str, template_name: str, quality: str | None, **options):
        app_secret = settings.WHATSAPP_WEBHOOK_APP_SECRET
        if not app_secret:
            raise CommandError("WHATSAPP_WEBHOOK_APP_SECRET is not set: nothing to sign with.")
        if (event == QUALITY) != (quality is not None):
            raise CommandError("Use --quality with EVENT QUALITY, and only then.")
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
        raw = encode(body)
        self.stdout.write(f"POST {options['url']}\n{raw.decode()}")
        try:
            response = httpx.post(
                options["url"],
                content=raw,
                headers={
                    "Content-Type": "application/json",
                    SIGNATURE_HEADER: sign(raw, app_secret=app_secret),
                },
                timeout=10,
            )
        except httpx.HTTPError as exc:
            raise CommandError(f"Could not reach {options['url']}: {exc}") from exc
        self.stdout.write(f"{response.status_code} {response.text}")
        if response.is_error:
            raise CommandError(f"The server answered {response.status_code}.")

    def _template(self, name: str, language: str | None) -> WhatsAppTemplate:
        templates = WhatsAppTemplate.objects.filter(name=name, deleted_at__isnull=True)
        if language:
            templates = templates.filter(language=language)
        matches = list(templates.select_related("business_account")[:2])
        if not matches:
            raise CommandError(f"No template named {name!r}.")
        if len(matches) > 1:
            raise CommandError(f"Several templates are named {name!r}: add --language.")
        return matches[0]
