from rapport.core.schedules import schedule_register
from rapport.sales.tasks import forecast_snapshot_all

# Shortly after midnight UTC, so a snapshot describes the whole previous day's changes.
schedule_register("forecast_snapshot", "15 0 * * *", forecast_snapshot_all)
