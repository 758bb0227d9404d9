import imaplib
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rapport.service.imap import ImapAccount, ImapFailed, mail_poll


class Command(BaseCommand):
    help = "Take the unread mail of the IMAP_* mailbox once, as `mail-in` would (run from cron)."

    def handle(self, *args: Any, **opts: Any) -> None:
        account = ImapAccount.from_settings()
        if account is None:
            raise CommandError("IMAP_HOST is not set: there is no mailbox to poll")
        try:
            result = mail_poll(account)
        except (ImapFailed, imaplib.IMAP4.error, OSError) as exc:
            raise CommandError(f"{account.host}:{account.port}: {exc}") from exc
        self.stdout.write(
            f"{result.stored} stored, {result.rejected} rejected, {result.failed} to retry"
        )
