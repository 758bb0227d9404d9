from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "rapport.feedback"
    label = "feedback"

    def ready(self) -> None:
        from rapport.feedback import tasks  # noqa: F401  (listens to ticket changes)
