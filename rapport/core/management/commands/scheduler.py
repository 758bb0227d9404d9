from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from django.core.management.base import BaseCommand, CommandParser

from rapport.core.schedules import Schedule, schedules


def _enqueue(schedule: Schedule) -> None:
    schedule.task.enqueue()


class Command(BaseCommand):
    help = (
        "Enqueue the periodic background tasks (SLA sweep, forecast snapshots...) when due. "
        "Run exactly one scheduler; the workers (db_worker) do the work."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--list", action="store_true", help="print the schedule and exit")

    def handle(self, *args: Any, **opts: Any) -> None:
        scheduler = BlockingScheduler(timezone="UTC")
        for schedule in schedules():
            # One missed run is caught up (coalesced) after a restart within an hour.
            scheduler.add_job(
                _enqueue,
                schedule.trigger(),
                args=[schedule],
                id=schedule.name,
                coalesce=True,
                misfire_grace_time=3600,
            )
            self.stdout.write(f"{schedule.name}: {schedule.cron} (UTC)")
        if opts["list"]:
            return
        scheduler.start()
