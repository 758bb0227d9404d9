import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from rapport.core.errors import ServiceValidationError
from rapport.core.management.commands.scheduler import _enqueue
from rapport.core.management.commands.serve import _processes
from rapport.core.schedules import schedule_register, schedules
from rapport.sales.models import ForecastSnapshot
from rapport.sales.services import deal_create
from rapport.sales.tests.factories import make_pipeline

UTC = dt.UTC


def test_each_app_declares_its_periodic_tasks():
    by_name = {s.name: s for s in schedules()}
    assert {"sla_sweep", "forecast_snapshot"} <= set(by_name)
    sweep = by_name["sla_sweep"].trigger()
    after = dt.datetime(2026, 5, 4, 10, 1, tzinfo=UTC)
    assert sweep.get_next_fire_time(None, after) == dt.datetime(2026, 5, 4, 10, 5, tzinfo=UTC)
    daily = by_name["forecast_snapshot"].trigger()
    assert daily.get_next_fire_time(None, after) == dt.datetime(2026, 5, 5, 0, 15, tzinfo=UTC)


def test_a_malformed_crontab_is_refused_by_name():
    with pytest.raises(ServiceValidationError) as err:
        schedule_register("broken", "every day", None)
    assert err.value.errors[0].field == "cron"
    assert "broken" not in {s.name for s in schedules()}


@pytest.mark.django_db
def test_a_due_schedule_enqueues_its_task(scoped, owner):
    make_pipeline(scoped, owner)
    deal_create(
        workspace=scoped,
        actor=owner,
        data={
            "name": "Renewal",
            "amount": "100",
            "currency": "USD",
            "owner_id": owner.pk,
            "expected_close_date": timezone.now().date(),
        },
    )
    [snapshot] = [s for s in schedules() if s.name == "forecast_snapshot"]
    _enqueue(snapshot)  # the test settings run tasks at once
    assert ForecastSnapshot.objects.filter(workspace=scoped).exists()


def test_the_scheduler_lists_its_jobs(capsys):
    call_command("scheduler", "--list")
    out = capsys.readouterr().out
    assert "sla_sweep: */5 * * * *" in out and "forecast_snapshot: 15 0 * * *" in out


def test_serve_runs_a_worker_and_the_scheduler_beside_the_web_server(settings):
    opts = {"host": "127.0.0.1", "port": 8001, "workers": 2, "threads": 1, "background": True}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    both = _processes(opts)
    assert set(both) == {"web", "worker", "scheduler"}
    assert "db_worker" in both["worker"] and "8001" in both["web"]
    # With RQ, its own workers do the work: only the scheduler runs beside the web server.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.rq.RQBackend"}}
    assert set(_processes(opts)) == {"web", "scheduler"}
    assert set(_processes({**opts, "background": False})) == {"web"}
