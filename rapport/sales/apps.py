from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "rapport.sales"
    label = "sales"

    def ready(self) -> None:
        from rapport.sales import scoring, timeline  # noqa: F401  (join the registries)
