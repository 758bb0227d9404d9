from rapport.core.schedules import schedule_register
from rapport.marketing.tasks import subscription_requests_purge_all

# Nightly: unconfirmed requests past their retention hold personal data with no consent.
schedule_register("subscription_requests_purge", "30 2 * * *", subscription_requests_purge_all)
