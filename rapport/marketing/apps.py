from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "rapport.marketing"
    label = "marketing"

    def ready(self) -> None:
        from rapport.marketing import (  # noqa: F401  (they join the registries)
            conditions,
            exports,
            merge_handlers,
            references,
        )
