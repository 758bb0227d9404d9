from django.urls import path

from rapport.merge import views
from rapport.merge.views import COMPANIES, CONTACTS

app_name = "merge"

urlpatterns = [
    path("contacts/<int:a>/<int:b>/", views.merge_page, {"kind": CONTACTS}, name="merge_contacts"),
    path(
        "companies/<int:a>/<int:b>/", views.merge_page, {"kind": COMPANIES}, name="merge_companies"
    ),
    path("contacts/<int:pk>/", views.merge_pick, {"kind": CONTACTS}, name="pick_contact"),
    path("companies/<int:pk>/", views.merge_pick, {"kind": COMPANIES}, name="pick_company"),
    path("<int:merge_id>/undo/", views.merge_undo_view, name="undo"),
]
