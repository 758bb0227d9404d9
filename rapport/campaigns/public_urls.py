from django.urls import path

from rapport.campaigns.public_views import click, open_pixel, unsubscribe

urlpatterns = [
    path("o/<str:token>.gif", open_pixel, name="campaign-open"),
    path("c/<str:token>/", click, name="campaign-click"),
    path("u/<str:token>/", unsubscribe, name="campaign-unsubscribe"),
]
