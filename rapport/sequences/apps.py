from django.apps import AppConfig


class SequencesConfig(AppConfig):
    name = "rapport.sequences"
    label = "sequences"

    def ready(self) -> None:
        from rapport.sequences import (  # noqa: F401  (join registries)
            listeners,
            merge_handlers,
            timeline,
        )
