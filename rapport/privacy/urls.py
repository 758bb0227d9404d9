from django.urls import path

from rapport.privacy import views

app_name = "privacy"
urlpatterns = [
    path("contacts/<int:pk>/", views.contact_personal_data, name="contact"),
    path("contacts/<int:pk>/erase/", views.contact_erase, name="erase"),
]
