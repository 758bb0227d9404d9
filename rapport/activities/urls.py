from django.urls import path

from rapport.activities import views

app_name = "activities"

urlpatterns = [
    path("activities/new/", views.activity_create, name="create"),
    path("activities/<int:pk>/", views.activity_item, name="item"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="edit"),
    path("activities/<int:pk>/delete/", views.activity_remove, name="delete"),
    path("activities/<int:pk>/done/", views.task_done, name="done"),
]
