import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

DB_BACKEND = "django_tasks_db.DatabaseBackend"


def _processes(opts: dict[str, Any]) -> dict[str, list[str]]:
    """The command line of each process to run: the web server, and unless told otherwise a
    task worker (for the database backend; an RQ deployment runs its own workers) and the
    scheduler, so that `make run` on a laptop has imports, sweeps and snapshots working."""
    bindir = os.path.dirname(sys.executable)
    manage = [sys.executable, "-m", "config.cli"]
    commands = {
        "web": [
            os.path.join(bindir, "granian"),
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
    }
    if opts["background"]:
        if settings.TASKS["default"]["BACKEND"] == DB_BACKEND:
            commands["worker"] = [*manage, "db_worker", "--no-reload", "--queue-name", "*"]
        commands["scheduler"] = [*manage, "scheduler"]
    return commands


class Command(BaseCommand):
    help = (
        "Serve Rapport with granian (WSGI), static files through whitenoise, with a task "
        "worker and the scheduler beside it (--no-background to run those separately)."
    )

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
        parser.add_argument(
            "--no-background",
            dest="background",
            action="store_false",
            help="serve only; run `db_worker` and `scheduler` yourself",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"Rapport on http://{opts['host']}:{opts['port']}/  (stop with Ctrl+C)")
        if settings.DEBUG:
            self.stdout.write("DEBUG is on: do not expose this server.")
        running = {
            name: subprocess.Popen(argv)  # noqa: S603  (argv is ours)
            for name, argv in _processes(opts).items()
        }
        self.stdout.write("running: " + ", ".join(running))
        # Ctrl+C reaches the whole process group; a TERM from a process manager is passed on.
        signal.signal(signal.SIGTERM, lambda *_: _stop(running))
        try:
            while all(p.poll() is None for p in running.values()):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stopped = [name for name, p in running.items() if p.poll() is not None]
            _stop(running)
        if stopped and stopped != list(running):
            raise SystemExit(f"{', '.join(stopped)} stopped; everything was shut down")


def _stop(running: dict[str, subprocess.Popen[bytes]]) -> None:
    for p in running.values():
        if p.poll() is None:
            p.terminate()
    for p in running.values():
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
