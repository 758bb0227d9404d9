from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "rapport.sales"
    label = "sales"

    def ready(self) -> None:
        from rapport.sales import timeline  # noqa: F401  (joins the timeline registry)
