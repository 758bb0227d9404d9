from django.urls import path

from rapport.sequences import views

app_name = "sequences"

urlpatterns = [
    path("", views.sequences, name="list"),
    path("new/", views.sequence_edit, name="new"),
    path("<int:pk>/", views.sequence_edit, name="edit"),
    path("<int:pk>/status/", views.sequence_status, name="status"),
    path("step-row/", views.step_row, name="step_row"),
    path("enrollments/<int:pk>/remove/", views.enrollment_remove_view, name="remove"),
]
