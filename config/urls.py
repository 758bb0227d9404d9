from django.contrib import admin
from django.urls import include, path

from rapport.api.router import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("forms/", include("rapport.sales.public_urls")),
    path("", include("rapport.web.urls")),
]
