from django.apps import AppConfig


class SequencesConfig(AppConfig):
    name = "rapport.sequences"
    label = "sequences"

    def ready(self) -> None:
        from rapport.sequences import listeners, merge_handlers  # noqa: F401  (join registries)
