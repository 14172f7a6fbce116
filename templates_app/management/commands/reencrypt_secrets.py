from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from pytake.crypto import reencrypt_secret
from templates_app.models import BusinessAccount


class Command(BaseCommand):
    help = (
        "Encrypt every stored secret again with the first FIELD_ENCRYPTION_KEY (Meta access "
        "tokens, and every encrypted field: webhook signing secrets, Slack and webhook URLs), "
        "so the older keys can be dropped after a rotation."
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
        for model in apps.get_models():
            names = [
                field.name
                for field in model._meta.concrete_fields
                if getattr(field, "encrypted_at_rest", False)  # any app's encrypted field
            ]
            if names:
                rows = self._reencrypt(model, names)
                plural = model._meta.verbose_name_plural
                message = f"Re-encrypted {', '.join(names)} of {rows} {plural}."
                self.stdout.write(self.style.SUCCESS(message))

    def _reencrypt(self, model, names: list[str]) -> int:
        # Read decrypts with whichever key fits; the update encrypts with the first key.
        rows = 0
        with transaction.atomic():
            for row in model._base_manager.select_for_update().only("pk", *names):
                model._base_manager.filter(pk=row.pk).update(
                    **{name: getattr(row, name) for name in names}
                )
                rows += 1
        return rows
