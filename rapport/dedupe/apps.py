from django.apps import AppConfig


class DedupeConfig(AppConfig):
    name = "rapport.dedupe"
    label = "dedupe"

    def ready(self) -> None:
        from rapport.dedupe import listeners, quality_sections  # noqa: F401  (join registries)
