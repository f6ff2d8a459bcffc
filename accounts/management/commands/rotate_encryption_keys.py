from django.core.management.base import BaseCommand, CommandError

from accounts.connection import connection_keys_rotate
from lusha_portal.crypto import SecretUnreadableError
from signals.push_secret import push_secrets_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt stored secrets with the first key in PORTAL_ENCRYPTION_KEYS. "
        "Run it after putting a new key first; then the old keys can be removed."
    )

    def handle(self, *args, **options):
        try:
            rotated = connection_keys_rotate() + push_secrets_rotate()
        except SecretUnreadableError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(f"Re-encrypted {rotated} secret(s) with the first key.")
        )
