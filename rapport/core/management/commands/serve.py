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
        # Processes, not threads, spread Django's CPU over the cores (one GIL each); one more
        # process than cores keeps them busy while a process waits on the database. Measured on
        # two cores (docs/performance.md): 3 workers x 1 thread served the list page about 40%
        # faster than 2 x 2 or 2 x 4.
        cores = os.cpu_count() or 1
        workers = int(os.environ.get("WEB_WORKERS", str(cores + 1)))
        threads = int(os.environ.get("WEB_THREADS", "1"))
        parser.add_argument("--workers", type=int, default=workers)
        parser.add_argument("--threads", type=int, default=threads, help="per worker")

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
            str(opts["threads"]),
            "config.wsgi:application",
        ]
        granian = os.path.join(os.path.dirname(sys.executable), "granian")
        os.execv(granian, args_)  # noqa: S606  (replaces this process; argv is ours)
