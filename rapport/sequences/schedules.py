from rapport.core.schedules import schedule_register
from rapport.sequences.engine import sequences_advance_all

schedule_register("sequences_advance", "*/5 * * * *", sequences_advance_all)
