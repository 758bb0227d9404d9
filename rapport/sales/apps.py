from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "rapport.sales"
    label = "sales"

    def ready(self) -> None:
        from rapport.activities.links import LinkType, activity_link_type
        from rapport.sales import (  # noqa: F401  (they join the registries)
            exports,
            importers,
            listeners,
            merge_handlers,
            references,
            scoring,
            timeline,
        )
        from rapport.sales.models import Deal, DealActivity

        activity_link_type(
            LinkType("deal_ids", "deals", Deal, DealActivity, "deal", "sales:deal_detail")
        )
