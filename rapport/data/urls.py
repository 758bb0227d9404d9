from django.urls import path

from rapport.data import export_views, views

app_name = "data"

urlpatterns = [
    path("imports/", views.import_list, name="import_list"),
    path("imports/new/", views.import_new, name="import_new"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/mapping/", views.import_mapping, name="import_mapping"),
    path("imports/<int:pk>/preview/", views.import_preview, name="import_preview"),
    path("imports/<int:pk>/start/", views.import_start, name="import_start"),
    path("imports/<int:pk>/cancel/", views.import_cancel, name="import_cancel"),
    path("imports/<int:pk>/undo/", views.import_undo, name="import_undo"),
    path("imports/<int:pk>/discard/", views.import_discard, name="import_discard"),
    path("imports/<int:pk>/errors.csv", views.import_errors_csv, name="import_errors_csv"),
    path("exports/", export_views.export_list, name="export_list"),
    path("exports/<int:pk>/row/", export_views.export_row, name="export_row"),
    path("exports/<int:pk>/file/", export_views.export_file, name="export_file"),
    path(
        "exports/<slug:entity>.<slug:file_format>",
        export_views.export_download,
        name="export",
    ),
    path("data/quality/", export_views.data_quality, name="quality"),
]
