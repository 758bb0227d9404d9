import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rapport.service.smtp import MAX_MESSAGE_BYTES, mail_server


class Command(BaseCommand):
    help = "Receive mail by SMTP and turn it into tickets and replies."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2525)
        parser.add_argument("--max-bytes", type=int, default=MAX_MESSAGE_BYTES)

    def handle(self, *args: Any, **opts: Any) -> None:
        server = mail_server(opts["host"], opts["port"], opts["max_bytes"])
        server.start()
        self.stdout.write(f"receiving mail on {opts['host']}:{opts['port']} (Ctrl+C stops)")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
