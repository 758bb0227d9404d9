from django.apps import AppConfig


class DataConfig(AppConfig):
    name = "rapport.data"
    label = "data"

    def ready(self) -> None:
        from rapport.data import (  # noqa: F401  (register contacts and companies)
            contact_exports,
            contact_importers,
            quality_sections,
        )
