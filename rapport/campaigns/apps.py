from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "rapport.campaigns"
    label = "campaigns"

    def ready(self) -> None:
        from rapport.campaigns import merge_handlers, timeline  # noqa: F401  (join registries)
