from django.urls import path

from rapport.marketing.public_views import optin_confirm

urlpatterns = [path("confirm/<str:token>/", optin_confirm, name="optin-confirm")]
