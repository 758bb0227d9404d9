from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "rapport.portal"
    label = "portal"

    def ready(self) -> None:
        from rapport.portal import merge_handlers  # noqa: F401  (joins the merge registry)
