from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "rapport.feedback"
    label = "feedback"

    def ready(self) -> None:
        from rapport.feedback import merge_handlers, tasks  # noqa: F401  (join registries)
