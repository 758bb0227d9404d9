"""The company page's "People" card, fetched once the page has shown."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rapport.contacts.company_people import SHOWN, company_people
from rapport.contacts.queries import company_get
from rapport.web.access import found_or_404, member_required


@member_required
@require_GET
def people_card(request: HttpRequest, pk: int) -> HttpResponse:
    company = found_or_404(company_get, company_id=pk)
    people = company_people(company=company)
    context = {"company": company, "people": list(people[:SHOWN]), "total": people.count()}
    return render(request, "contacts/_company_people.html", context)
