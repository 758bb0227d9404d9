import os
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve Rapport with granian (WSGI), static files through whitenoise."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("RAPPORT_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))

    def handle(self, *args: Any, **opts: Any) -> None:
        call_command("collectstatic", interactive=False, verbosity=0)
        url = f"http://{opts['host']}:{opts['port']}/"
        self.stdout.write(f"Rapport on {url}  (stop with Ctrl+C)")
        if settings.DEBUG:
            self.stdout.write("DEBUG is on: do not expose this server.")
        args_ = [
            "granian",
            "--interface",
            "wsgi",
            "--host",
            opts["host"],
            "--port",
            str(opts["port"]),
            "--workers",
            str(opts["workers"]),
            "--blocking-threads",
            "4",
            "config.wsgi:application",
        ]
        granian = os.path.join(os.path.dirname(sys.executable), "granian")
        os.execv(granian, args_)  # noqa: S606  (replaces this process; argv is ours)
