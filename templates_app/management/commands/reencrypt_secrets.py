from django.core.management.base import BaseCommand
from django.db import transaction

from pytake.crypto import reencrypt_secret
from templates_app.models import BusinessAccount


class Command(BaseCommand):
    help = (
        "Encrypt every stored Meta access token again with the first FIELD_ENCRYPTION_KEY, so "
        "the older keys can be dropped after a rotation."
    )

    def handle(self, *args, **options) -> None:
        accounts = BusinessAccount.objects.exclude(access_token_encrypted="")
        count = 0
        with transaction.atomic():
            for account in accounts.select_for_update().only("pk", "access_token_encrypted"):
                account.access_token_encrypted = reencrypt_secret(account.access_token_encrypted)
                account.save(update_fields=["access_token_encrypted"])
                count += 1
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {count} access tokens."))
