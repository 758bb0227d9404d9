"""How the audit trail names the campaigns it refers to (a lead's `campaign`)."""

from rapport.audit.references import audit_reference
from rapport.campaigns.models import Campaign


@audit_reference("campaign")
def campaign_names(ids: set[int]) -> dict[int, str]:
    return dict(Campaign.objects.filter(pk__in=ids).values_list("pk", "name"))
