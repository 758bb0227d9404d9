from django.contrib import admin
from django.urls import include, path

from rapport.api.router import api
from rapport.service.attachment_views import attachment_download

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("forms/", include("rapport.sales.public_urls")),
    path("feedback/", include("rapport.feedback.public_urls")),
    path("subscribe/", include("rapport.marketing.public_urls")),
    path("portal/", include("rapport.portal.urls")),
    path("t/", include("rapport.campaigns.public_urls")),
    path("attachments/<int:attachment_id>/", attachment_download, name="attachment-download"),
    path("", include("rapport.web.urls")),
]
