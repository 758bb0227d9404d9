from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "rapport.activities"
    label = "activities"

    def ready(self) -> None:
        from rapport.activities import timeline  # noqa: F401  (joins the timeline registry)
