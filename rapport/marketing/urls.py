from django.urls import path

from rapport.marketing import views

app_name = "marketing"

urlpatterns = [
    path("segments/", views.segment_list_page, name="segment_list"),
    path("segments/new/", views.segment_new, name="segment_new"),
    path("segments/builder/", views.segment_builder, name="segment_builder"),
    path("segments/<int:pk>/", views.segment_detail, name="segment_detail"),
    path("segments/<int:pk>/report/", views.segment_report_panel, name="segment_report"),
    path("segments/<int:pk>/count/", views.segment_count, name="segment_count"),
    path("segments/<int:pk>/edit/", views.segment_edit, name="segment_edit"),
    path("segments/<int:pk>/delete/", views.segment_delete_view, name="segment_delete"),
    path("segments/<int:pk>/to-list/", views.segment_to_list, name="segment_to_list"),
    path("lists/", views.list_list_page, name="list_list"),
    path("lists/options/", views.list_options, name="list_options"),
    path("lists/add-contacts/", views.contacts_to_list, name="contacts_to_list"),
    path("lists/<int:pk>/", views.list_detail, name="list_detail"),
    path("lists/<int:pk>/delete/", views.list_delete_view, name="list_delete"),
    path(
        "lists/<int:pk>/remove/<int:contact_id>/",
        views.list_remove_member,
        name="list_remove_member",
    ),
    path("contacts/<int:pk>/panel/", views.contact_panel, name="contact_panel"),
    path("contacts/<int:pk>/consent/", views.contact_consent_record, name="contact_consent"),
    path("contacts/<int:pk>/lists/", views.list_add_contact, name="contact_add_to_list"),
]
