from django.conf import settings

from rapport.core.schedules import schedule_register
from rapport.service.imap import mail_poll_task
from rapport.service.reply_delivery import replies_retry_all
from rapport.service.sweep import sla_sweep_all

schedule_register("sla_sweep", "*/5 * * * *", sla_sweep_all)
schedule_register("reply_retry", "*/5 * * * *", replies_retry_all)
if settings.IMAP_HOST:  # the IMAP poller is optional: no mailbox, no job every minute
    schedule_register("mail_poll", "* * * * *", mail_poll_task)
