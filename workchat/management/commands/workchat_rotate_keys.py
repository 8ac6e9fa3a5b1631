"""Re-encrypt every stored webhook address and secret under the first key of WORKCHAT_FERNET_KEYS."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from workchat import crypto
from workchat.models import GroupBot


class Command(BaseCommand):
    help = (
        "Re-encrypt the group bots' webhook addresses and secrets under the first WORKCHAT_FERNET_KEYS key."
    )

    def handle(self, *args, **options) -> None:
        rotated = 0
        try:
            with transaction.atomic():
                for bot in GroupBot.objects.select_for_update().order_by("pk"):
                    bot.webhook_encrypted = crypto.rotate(bot.webhook_encrypted)
                    bot.secret_encrypted = crypto.rotate(bot.secret_encrypted)
                    bot.save(update_fields=["webhook_encrypted", "secret_encrypted"])
                    rotated += 1
        except crypto.InvalidToken:
            raise CommandError(
                "a stored value opens with none of WORKCHAT_FERNET_KEYS: keep the old key in the list "
                "(after the new one) until this command has run; nothing was changed"
            ) from None
        except crypto.KeysMissing as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{rotated} bots re-encrypted under the first key")
