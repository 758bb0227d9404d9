from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapport.core.errors import ServiceValidationError
from rapport.tenancy.services import workspace_create


class Command(BaseCommand):
    help = "Create a workspace (a tenant), optionally with an existing user as its owner."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--owner", help="username of the owner")
        parser.add_argument("--region", default="US", help="default phone region (ISO 3166)")
        parser.add_argument("--currency", default="USD", help="base currency (ISO 4217)")

    def handle(self, *args: Any, **opts: Any) -> None:
        owner = None
        if opts["owner"]:
            owner = get_user_model().objects.filter(username=opts["owner"]).first()
            if owner is None:
                raise CommandError(f"no user named {opts['owner']!r}")
        try:
            ws = workspace_create(
                name=opts["name"],
                owner=owner,
                default_region=opts["region"],
                base_currency=opts["currency"],
            )
        except ServiceValidationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"created workspace {ws.name!r} (slug {ws.slug}, id {ws.pk})")
