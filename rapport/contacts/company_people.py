"""The people of a company, for the "People" card on its page: the first few by name and how
many there are, loaded after the page (as its purchases are) so a big account never slows it."""

from django.db.models import QuerySet

from rapport.contacts.models import Company, Contact

SHOWN = 10


def company_people(*, company: Company) -> QuerySet[Contact]:
    """Everyone linked to the company (primary or not), by name."""
    return (
        Contact.objects.filter(company_links__company=company)
        .only("pk", "first_name", "last_name", "email", "job_title", "lifecycle_stage")
        .order_by("sort_name", "pk")
    )
