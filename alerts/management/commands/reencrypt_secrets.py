from django.core.management.base import BaseCommand

from alerts.services.channels import reencrypt_channel_secrets
from templates_app.services.accounts import reencrypt_access_tokens


class Command(BaseCommand):
    help = (
        "Encrypt every stored secret (Meta access tokens, notification URLs and signing secrets) "
        "again "
        "with the first FIELD_ENCRYPTION_KEY, so the older keys can be dropped after a rotation."
    )

    def handle(self, *args, **options) -> None:
        tokens = reencrypt_access_tokens()
        secrets = reencrypt_channel_secrets()
        self.stdout.write(
            self.style.SUCCESS(
                f"Re-encrypted {tokens} access tokens and the URLs and secrets of {secrets} "
                "notification channels."
            )
        )
