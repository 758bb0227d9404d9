"""The "Deals" card of a contact's and a company's page, fetched once the page has shown (as
their purchases are), so the record page stays as fast without it."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rapport.contacts.queries import company_get, contact_get
from rapport.sales.queries import record_deals
from rapport.web.access import found_or_404, member_required


@member_required
@require_GET
def contact_deals(request: HttpRequest, pk: int) -> HttpResponse:
    contact = found_or_404(contact_get, contact_id=pk)
    deals = record_deals(contact_id=contact.pk)
    return render(request, "sales/_record_deals.html", {"deals": deals})


@member_required
@require_GET
def company_deals(request: HttpRequest, pk: int) -> HttpResponse:
    company = found_or_404(company_get, company_id=pk)
    deals = record_deals(company_id=company.pk)
    return render(request, "sales/_record_deals.html", {"deals": deals})
