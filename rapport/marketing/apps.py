from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "rapport.marketing"
    label = "marketing"

    def ready(self) -> None:
        from rapport.marketing import conditions, merge_handlers  # noqa: F401  (join registries)
