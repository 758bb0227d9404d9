"""The UI's URLs: the workspace-wide pages here, each app's pages from its own urls."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from rapport.portal.settings_views import portal_settings
from rapport.web import time_zone_settings, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("workspace/switch/", views.workspace_switch, name="workspace_switch"),
    path("search/", views.search, name="search"),
    path("tasks/", views.tasks, name="tasks"),
    path("settings/audit/", views.audit_log, name="audit_log"),
    path("settings/tokens/", views.api_tokens, name="api_tokens"),
    path("settings/tokens/<int:pk>/revoke/", views.api_token_revoke_view, name="api_token_revoke"),
    path("settings/fields/", views.custom_fields, name="custom_fields"),
    path("settings/fields/<int:pk>/edit/", views.custom_field_edit, name="custom_field_edit"),
    path("settings/fields/<int:pk>/delete/", views.custom_field_remove, name="custom_field_delete"),
    path("settings/portal/", portal_settings, name="portal_settings"),
    path("settings/workspace/", time_zone_settings.workspace_settings, name="workspace_settings"),
    path("settings/profile/", time_zone_settings.profile, name="profile"),
    path("", include("rapport.contacts.urls")),
    path("", include("rapport.activities.urls")),
    path("", include("rapport.sales.urls")),
    path("", include("rapport.service.urls")),
    path("", include("rapport.data.urls")),
    path("merge/", include("rapport.merge.urls")),
    path("marketing/", include("rapport.marketing.urls")),
    path("campaigns/", include("rapport.campaigns.urls")),
    path("sequences/", include("rapport.sequences.urls")),
    path("duplicates/", include("rapport.dedupe.urls")),
    path("privacy/", include("rapport.privacy.urls")),
]
