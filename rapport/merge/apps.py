from django.apps import AppConfig


class MergeConfig(AppConfig):
    name = "rapport.merge"
    label = "merge"

    def ready(self) -> None:
        from rapport.merge import references, timeline  # noqa: F401  (join the registries)
