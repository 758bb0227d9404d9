from django.apps import AppConfig


class DataConfig(AppConfig):
    name = "rapport.data"
    label = "data"

    def ready(self) -> None:
        from rapport.data import contact_importers  # noqa: F401  (registers contacts, companies)
