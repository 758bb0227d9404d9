"""What the import commands share: the workspace and the acting user named on the command line."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from rapport.tenancy.models import Workspace


def workspace_and_actor(opts: dict[str, Any]) -> tuple[Workspace, Any]:
    """The workspace of `--workspace` and the user of `--user` (None when not given), or a
    `CommandError` naming the one that does not exist."""
    workspace = Workspace.objects.filter(slug=opts["workspace"]).first()
    if workspace is None:
        raise CommandError(f"no workspace with slug '{opts['workspace']}'")
    actor = None
    if opts["user"]:
        actor = get_user_model().objects.filter(username=opts["user"]).first()
        if actor is None:
            raise CommandError(f"no user '{opts['user']}'")
    return workspace, actor
