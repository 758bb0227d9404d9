"""Send a campaign to N contacts through a local SMTP sink and report the rate.

    .venv/bin/python bench/campaign_send.py [--contacts 100000] [--batch 500] [--workers 1]

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/rapport_campaign_bench (created
and migrated if missing). The contacts (each opted in to email marketing) are bulk-inserted
once; each run queues the recipients and sends through Rapport's own path (rendering each
message, tracked links, one SMTP connection per batch, claim-then-send per message) to
aiosmtpd's Sink handler in a separate process on a free loopback port.
"""

import argparse
import multiprocessing
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT), *[p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("RAPPORT_INSECURE_DEV_KEY", "true")
URL = os.environ.setdefault(
    "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rapport_campaign_bench"
)


def _ensure_database() -> None:
    import psycopg

    parts = urlsplit(URL)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument(
        "--workers", type=int, default=1, help="processes sending the same campaign at once"
    )
    args = parser.parse_args()
    _ensure_database()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from rapport.campaigns.models import Recipient, RecipientStatus
    from rapport.campaigns.sending import campaign_queue, campaign_send
    from rapport.campaigns.services import campaign_create, template_create
    from rapport.contacts.models import Contact
    from rapport.marketing.models import ConsentEvent
    from rapport.tenancy.access import workspace_scope
    from rapport.tenancy.models import Workspace
    from rapport.tenancy.services import user_create, workspace_create

    workspace = Workspace.objects.filter(slug="campaign-bench").first()
    if workspace is None:
        owner = user_create(username="campaign-bench", password="bench-password")
        workspace = workspace_create(name="Campaign bench", owner=owner, slug="campaign-bench")
    with workspace_scope(workspace):
        have = Contact.objects.count()
        if have < args.contacts:
            start = time.perf_counter()
            now = timezone.now()
            for first in range(have, args.contacts, 5000):
                batch = []
                for n in range(first, min(first + 5000, args.contacts)):
                    c = Contact(
                        workspace=workspace,
                        first_name=f"Reader{n}",
                        last_name="Bench",
                        email=f"reader{n}@example.net",
                    )
                    c.set_derived_fields()
                    batch.append(c)
                Contact.objects.bulk_create(batch)
                ConsentEvent.objects.bulk_create(
                    ConsentEvent(
                        workspace=workspace,
                        contact=c,
                        purpose="email_marketing",
                        status="opted_in",
                        source="bench",
                        at=now,
                    )
                    for c in batch
                )
            print(
                f"loaded {args.contacts - have:,} contacts in {time.perf_counter() - start:.1f} s"
            )
        template = template_create(
            workspace=workspace,
            actor=None,
            data={
                "name": f"Bench {timezone.now():%H%M%S}",
                "subject": "News for {{ contact.first_name }}",
                "body_html": "<p>Hello {{ contact.first_name }},</p>"
                '<p><a href="https://shop.example/new">What is new</a></p>'
                '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>',
                "body_text": "Hello {{ contact.first_name }}, see https://shop.example/new\n",
            },
        )
        campaign = campaign_create(
            workspace=workspace,
            actor=None,
            data={
                "name": template.name,
                "template_id": template.pk,
                "from_email": "news@bench.example",
            },
        )
        port = _free_port()
        sink = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                f"127.0.0.1:{port}",
                "-c",
                "aiosmtpd.handlers.Sink",
            ]
        )
        time.sleep(1.5)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
        settings.RAPPORT_CAMPAIGN_BATCH_SIZE, settings.RAPPORT_CAMPAIGN_BATCH_PAUSE = (
            args.batch,
            0.0,
        )
        try:
            start = time.perf_counter()
            queued = campaign_queue(
                workspace=workspace,
                campaign=campaign,
                contacts=Contact.objects.filter(
                    pk__in=Contact.objects.order_by("pk").values("pk")[: args.contacts]
                ),
            )
            queue_s = time.perf_counter() - start
            start = time.perf_counter()
            sent_by = _send_in_processes(args.workers, workspace, campaign.pk, campaign_send)
            send_s = time.perf_counter() - start
        finally:
            sink.terminate()
        sent = Recipient.objects.filter(campaign=campaign, status=RecipientStatus.SENT).count()
    print(f"queued {queued:,} recipients in {queue_s:.1f} s ({queued / queue_s:,.0f}/s)")
    total = sum(sent_by)
    print(
        f"sent {total:,} messages in {send_s:.1f} s with {args.workers} worker(s) "
        f"({', '.join(f'{n:,}' for n in sent_by)}): {total / send_s:,.0f} messages/s"
    )
    print(f"rows marked sent: {sent:,}; load average {os.getloadavg()[0]:.1f}")


def _send_in_processes(workers: int, workspace: Any, campaign_id: int, send: Any) -> list[int]:
    """Run `send` for the campaign in `workers` forked processes at once (as several task
    workers would); returns how many messages each sent."""
    from django.db import connections

    from rapport.tenancy.access import workspace_scope

    if workers == 1:
        return [send(workspace=workspace, campaign_id=campaign_id).sent]
    connections.close_all()  # each child opens its own connection
    context = multiprocessing.get_context("fork")
    results = context.Queue()

    def child() -> None:
        with workspace_scope(workspace):
            results.put(send(workspace=workspace, campaign_id=campaign_id).sent)

    processes = [context.Process(target=child) for _ in range(workers)]
    for p in processes:
        p.start()
    sent = [results.get() for _ in processes]
    for p in processes:
        p.join()
    return sent


if __name__ == "__main__":
    main()
