from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapport.core.overlong_decimals import overlong_find, overlong_fix
from rapport.tenancy.models import Workspace


class Command(BaseCommand):
    help = (
        "List the decimal values (amounts, budgets, quantities, rates) stored longer than their "
        "column, which fail every read of their row on SQLite; with --fix, set each to NULL "
        "(0 if the field is required) and keep the stored value in the audit trail."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--fix", action="store_true", help="mend the values (one transaction per workspace)"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        found = overlong_find()
        slugs = dict(
            Workspace.objects.filter(pk__in={v.workspace_id for v in found}).values_list(
                "pk", "slug"
            )
        )
        for value in found:
            self.stdout.write(
                f"{slugs[value.workspace_id]}\t{value.model._meta.label}\t{value.pk}\t"
                f"{value.field.name}\t{value.raw_text}"
            )
        if not opts["fix"]:
            self.stdout.write(f"{len(found)} values too long for their column")
            return
        refused = overlong_fix(found)
        left = {r.value for r in refused}
        mended = [v for v in found if v not in left]
        self.stdout.write(f"{len(mended)} values mended")
        # The kept deal sums hold deal amounts: SQLite's triggers added the overlong amount as
        # a float (losing the cents of the rest of its sum) and took it out again on mending,
        # and an overlong sum itself was set to 0. Only computing them again makes them right.
        if any(v.model._meta.app_label == "sales" for v in mended):
            call_command("deal_totals", "--rebuild", stdout=self.stdout)
        for r in refused:
            self.stderr.write(
                f"left: {slugs[r.value.workspace_id]}\t{r.value.model._meta.label}\t"
                f"{r.value.pk}\t{r.value.field.name}: {r.reason}"
            )
        if refused:
            raise CommandError(f"{len(refused)} values left, to be corrected by hand")
