from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from rapport.sales.deal_totals import totals_drift, totals_rebuild


class Command(BaseCommand):
    help = (
        "Compare the kept deal sums (board totals, monthly open sums, daily won sums) with the "
        "deals, or rebuild them. Deal writes wait while it runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rebuild", action="store_true", help="compute every sum again from the deals"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        with transaction.atomic():
            if opts["rebuild"]:
                totals_rebuild(connection)
                self.stdout.write("kept deal sums rebuilt")
                return
            drift = totals_drift(connection)
        for line in drift:
            self.stdout.write(line)
        if drift:
            raise CommandError(f"{len(drift)} kept deal sums differ from the deals")
        self.stdout.write("kept deal sums match the deals")
