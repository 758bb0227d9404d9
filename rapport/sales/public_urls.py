from django.urls import path

from rapport.sales.public_views import web_form

urlpatterns = [path("<str:key>/", web_form, name="web-form")]
