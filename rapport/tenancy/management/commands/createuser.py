import os
from getpass import getpass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapport.core.errors import ServiceValidationError
from rapport.tenancy.models import Workspace
from rapport.tenancy.roles import Role
from rapport.tenancy.services import membership_add, user_create


class Command(BaseCommand):
    help = "Create a user and, with --workspace, make them a member with a role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--workspace", help="workspace slug")
        parser.add_argument("--role", default=Role.MEMBER, choices=Role.values)
        parser.add_argument("--superuser", action="store_true")
        parser.add_argument(
            "--password-env",
            default="RAPPORT_PASSWORD",
            help="environment variable holding the password (else you are asked)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        password = os.environ.get(opts["password_env"]) or getpass("Password: ")
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError("password: " + " ".join(exc.messages)) from exc
        workspace = None
        if opts["workspace"]:
            workspace = Workspace.objects.filter(slug=opts["workspace"]).first()
            if workspace is None:
                raise CommandError(f"no workspace with slug {opts['workspace']!r}")
        try:
            user = user_create(
                username=opts["username"],
                password=password,
                email=opts["email"],
                is_staff=opts["superuser"],
                is_superuser=opts["superuser"],
            )
        except ServiceValidationError as exc:
            raise CommandError(str(exc)) from exc
        if workspace is not None:
            membership_add(workspace=workspace, user=user, role=opts["role"])
        where = f" in {workspace.slug} as {opts['role']}" if workspace else ""
        self.stdout.write(f"created user {user.username!r}{where}")
