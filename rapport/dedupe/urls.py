from django.urls import path

from rapport.dedupe import views

app_name = "dedupe"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:pair_id>/not-duplicate/", views.not_duplicate, name="not_duplicate"),
    path("<int:pair_id>/reopen/", views.reopen, name="reopen"),
    path("run/", views.run, name="run"),
]
