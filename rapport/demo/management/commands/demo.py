from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from rapport.demo.generate import DEMO_PASSWORD, DemoSize, demo_create
from rapport.tenancy.models import Workspace


class Command(BaseCommand):
    help = (
        "Load the demo workspace: 3 users, 300 companies, 3,000 contacts, 20,000 activities, "
        "2,000 deals, 20,000 orders, 400 leads, a year of 1,500 tickets, a help centre, CSAT "
        "answers, an NPS round to 300 contacts, and marketing: consent, lists, segments and three "
        "sent campaigns with their opens and clicks; a few contacts and companies entered twice "
        "wait in the duplicate queue."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="do nothing if loaded already")
        parser.add_argument("--contacts", type=int, default=3_000)
        parser.add_argument("--companies", type=int, default=300)
        parser.add_argument("--activities", type=int, default=20_000)
        parser.add_argument("--deals", type=int, default=2_000)
        parser.add_argument("--orders", type=int, default=20_000)
        parser.add_argument("--leads", type=int, default=400)
        parser.add_argument("--tickets", type=int, default=1_500)
        parser.add_argument("--nps-contacts", type=int, default=300)

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["if_empty"] and Workspace.objects.filter(slug="demo-company").exists():
            self.stdout.write("demo workspace present already")
        else:
            size = DemoSize(
                companies=opts["companies"],
                contacts=opts["contacts"],
                activities=opts["activities"],
                deals=opts["deals"],
                orders=opts["orders"],
                leads=opts["leads"],
                tickets=opts["tickets"],
                nps_contacts=opts["nps_contacts"],
            )
            self.stdout.write("loading the demo workspace (about a minute)…")
            with transaction.atomic():
                demo_create(size=size)
        self.stdout.write(f"demo login: username 'demo', password '{DEMO_PASSWORD}'")
