"""Periodic jobs: which background task runs when, declared by the app that owns it.

Each app lists its periodic tasks in a `schedules` module (`schedule_register` at import);
the `scheduler` command imports them all and, at each due time, enqueues the task on the
tasks backend. The scheduler only decides *when*; the work itself runs in the workers like
any other task, so a slow job never delays the clock and a crashed worker loses nothing.
"""

from dataclasses import dataclass
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from django.utils.module_loading import autodiscover_modules

from rapport.core.errors import ServiceValidationError


@dataclass(frozen=True)
class Schedule:
    name: str
    cron: str  # crontab syntax, in UTC
    task: Any  # a django-tasks Task

    def trigger(self) -> CronTrigger:
        return CronTrigger.from_crontab(self.cron, timezone="UTC")


_schedules: dict[str, Schedule] = {}


def schedule_register(name: str, cron: str, task: Any) -> Schedule:
    schedule = Schedule(name, cron, task)
    try:
        schedule.trigger()
    except ValueError as exc:
        raise ServiceValidationError.single("cron", f"'{cron}' is not a crontab: {exc}") from exc
    _schedules[name] = schedule
    return schedule


def schedules() -> list[Schedule]:
    autodiscover_modules("schedules")
    return [_schedules[name] for name in sorted(_schedules)]
