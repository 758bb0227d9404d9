from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "rapport.activities"
    label = "activities"

    def ready(self) -> None:
        from rapport.activities import merge_handlers, timeline  # noqa: F401  (join registries)
