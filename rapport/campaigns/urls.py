from django.urls import path

from rapport.campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_edit, name="new"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/edit/", views.campaign_edit, name="edit"),
    path("<int:pk>/audience/", views.campaign_audience_panel, name="audience"),
    path("<int:pk>/start/", views.campaign_start_view, name="start"),
    path("<int:pk>/cancel/", views.campaign_cancel_view, name="cancel"),
    path("<int:pk>/link-leads/", views.campaign_link_leads_view, name="link_leads"),
    path("templates/", views.templates, name="templates"),
    path("templates/new/", views.template_edit, name="template_new"),
    path("templates/<int:pk>/", views.template_edit, name="template_edit"),
    path("templates/preview/", views.template_preview_view, name="template_preview"),
    path("templates/test-send/", views.template_test_send_view, name="template_test_send"),
]
