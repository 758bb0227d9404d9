from rapport.campaigns.tasks import campaigns_dispatch
from rapport.core.schedules import schedule_register

schedule_register("campaigns_dispatch", "* * * * *", campaigns_dispatch)
