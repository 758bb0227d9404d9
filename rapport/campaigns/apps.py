from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "rapport.campaigns"
    label = "campaigns"

    def ready(self) -> None:
        from rapport.campaigns import (  # noqa: F401  (join registries)
            bounces,
            conditions,
            merge_handlers,
            references,
            timeline,
        )
