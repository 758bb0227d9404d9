from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "rapport.service"
    label = "service"

    def ready(self) -> None:
        from rapport.service import merge_handlers, timeline  # noqa: F401  (join registries)
