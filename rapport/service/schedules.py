from rapport.core.schedules import schedule_register
from rapport.service.sweep import sla_sweep_all

schedule_register("sla_sweep", "*/5 * * * *", sla_sweep_all)
