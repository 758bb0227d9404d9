"""Who a campaign would reach before it is sent: its audience counted by the send's own skip
rules (`sending._skip_reason`, in the same order), in one query, so a marketer sees how many
will get it and why the others will not before pressing Send."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from rapport.campaigns.sending import with_send_checks
from rapport.contacts.models import Contact


@dataclass(frozen=True)
class AudienceEstimate:
    total: int
    no_email: int
    do_not_email: int
    suppressed: int
    no_consent: int

    @property
    def reachable(self) -> int:
        return self.total - self.no_email - self.do_not_email - self.suppressed - self.no_consent


def audience_estimate(*, contacts: QuerySet[Contact]) -> AudienceEstimate:
    """Each contact counted under the first rule that skips it. An address that only fails
    validation when mailed is not foreseen (addresses are validated when saved)."""
    has_email = ~Q(email="")
    mailable = has_email & Q(do_not_email=False)
    allowed = mailable & Q(suppressed=False)
    rules = {
        "total": Q(),
        "no_email": Q(email=""),
        "do_not_email": has_email & Q(do_not_email=True),
        "suppressed": mailable & Q(suppressed=True),
        # Consent is NULL, not false, for a contact never asked: counted as what is left.
        "allowed": allowed,
        "consented": allowed & Q(consented=True),
    }
    # Keys apart from the columns and annotations they count (Django refuses the clash).
    counts = with_send_checks(contacts).aggregate(
        **{f"n_{name}": Count("pk", filter=rule) for name, rule in rules.items()}
    )
    n = {name: counts[f"n_{name}"] for name in rules}
    return AudienceEstimate(
        total=n["total"],
        no_email=n["no_email"],
        do_not_email=n["do_not_email"],
        suppressed=n["suppressed"],
        no_consent=n["allowed"] - n["consented"],
    )
