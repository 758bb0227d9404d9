from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "rapport.service"
    label = "service"

    def ready(self) -> None:
        from rapport.service import (  # noqa: F401  (they join the registries)
            exports,
            merge_handlers,
            timeline,
        )
