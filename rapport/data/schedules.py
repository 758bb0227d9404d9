from rapport.core.schedules import schedule_register
from rapport.data.tasks import exports_clean_files

schedule_register("exports_clean_files", "40 * * * *", exports_clean_files)
