from rapport.core.schedules import schedule_register
from rapport.dedupe.tasks import dedupe_all

# Nightly, after the forecast snapshot: a full run reads every contact of every workspace.
schedule_register("dedupe", "45 1 * * *", dedupe_all)
