from django.core.management.base import BaseCommand, CommandError, CommandParser

from pytake.exceptions import ApplicationError
from templates_app.models import BusinessAccount, SyncRun
from templates_app.services.sync import request_sync


class Command(BaseCommand):
    help = (
        "Sync templates with Meta's Graph API: every account with a stored access token, or "
        "--account WABA. `manage.py run_scheduler` runs it hourly."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--account", dest="waba_id", help="Only the account of this WABA id.")

    def handle(self, *args, waba_id: str | None, **options) -> None:
        accounts = BusinessAccount.objects.filter(released_at__isnull=True)
        if waba_id:
            accounts = accounts.filter(waba_id=waba_id)
            if not accounts.exists():
                raise CommandError(f"No business account with WABA id {waba_id}.")
        else:
            accounts = accounts.filter(token_status=BusinessAccount.TokenStatus.STORED)
        for account in accounts.order_by("waba_id"):
            try:
                run = request_sync(account=account, trigger=SyncRun.Trigger.SCHEDULE)
            except ApplicationError as exc:
                self.stdout.write(f"{account.waba_id}: {exc.message}")
                continue
            run.refresh_from_db()
            summary = (
                f"{account.waba_id}: sync {run.pk} {run.get_status_display().lower()}; "
                f"templates seen: {run.templates_seen}, changes applied: {run.changes_applied}"
            )
            self.stdout.write(summary)
            for error in run.errors:
                self.stdout.write(f"  {error}")
