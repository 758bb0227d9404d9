from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "rapport.activities"
    label = "activities"

    def ready(self) -> None:
        # Join the registries and hooks.
        from rapport.activities import listeners, merge_handlers, timeline  # noqa: F401
