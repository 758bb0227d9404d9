from django.urls import URLPattern, path

from rapport.contacts import company_people_views, suggest_views, views
from rapport.contacts.views import COMPANIES, CONTACTS, RecordKind

app_name = "contacts"


def record_urls(kind: RecordKind) -> list[URLPattern]:
    """The same set of pages for each kind of record, at /contacts/... and /companies/..."""
    k = {"kind": kind}
    p, n = kind.plural, kind.name
    return [
        path(f"{p}/", views.record_list, k, name=f"{n}_list"),
        path(f"{p}/count/", views.record_count, k, name=f"{n}_count"),
        path(f"{p}/views/", views.saved_view_save, k, name=f"{n}_view_save"),
        path(
            f"{p}/views/<int:view_id>/delete/", views.saved_view_remove, k, name=f"{n}_view_delete"
        ),
        path(f"{p}/new/", views.record_new, k, name=f"{n}_new"),
        path(f"{p}/<int:pk>/", views.record_detail, k, name=f"{n}_detail"),
        path(f"{p}/<int:pk>/edit/", views.record_edit, k, name=f"{n}_edit"),
        path(f"{p}/<int:pk>/delete/", views.record_delete, k, name=f"{n}_delete"),
        path(f"{p}/<int:pk>/timeline/", views.record_timeline, k, name=f"{n}_timeline"),
        path(f"{p}/<int:pk>/fields/<str:name>/", views.record_field, k, name=f"{n}_field"),
    ]


urlpatterns = [
    path("companies/names/", suggest_views.company_names, name="company_names"),
    path("companies/<int:pk>/people/", company_people_views.people_card, name="company_people"),
    *record_urls(CONTACTS),
    *record_urls(COMPANIES),
]
