"""How the audit trail names the campaigns it refers to (a lead's `campaign`) and links
them to their pages."""

from rapport.audit.labels import audit_record_page
from rapport.audit.references import audit_reference
from rapport.campaigns.models import Campaign


@audit_reference("campaign")
def campaign_names(ids: set[int]) -> dict[int, str]:
    return dict(Campaign.objects.filter(pk__in=ids).values_list("pk", "name"))


audit_record_page("campaigns.campaign", "campaigns:detail")
