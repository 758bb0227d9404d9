from django.urls import path

from rapport.service import saved_view_views, views

app_name = "service"

urlpatterns = [
    path("tickets/", views.tickets_home, name="tickets"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("tickets/suggestions/", views.suggestions, name="suggestions"),
    path("tickets/products/", views.product_options, name="product_options"),
    path("tickets/bulk/", views.tickets_bulk, name="tickets_bulk"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket_detail"),
    path("tickets/<int:pk>/properties/", views.ticket_properties, name="ticket_properties"),
    path("tickets/<int:pk>/reply/", views.ticket_reply, name="ticket_reply"),
    path("tickets/saved-views/", saved_view_views.ticket_view_save, name="ticket_view_save"),
    path(
        "tickets/saved-views/<int:view_id>/delete/",
        saved_view_views.ticket_view_delete,
        name="ticket_view_delete",
    ),
    path("tickets/<slug:view>/", views.ticket_queue, name="ticket_queue"),
    path("service/", views.dashboard, name="dashboard"),
    path("service/sla/", views.at_risk, name="at_risk"),
    path("kb/", views.article_list, name="article_list"),
    path("kb/new/", views.article_new, name="article_new"),
    path("kb/<int:pk>/", views.article_detail, name="article_detail"),
    path("kb/<int:pk>/edit/", views.article_edit, name="article_edit"),
]
