from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "rapport.audit"
    label = "audit"

    def ready(self) -> None:
        from rapport.audit import timeline  # noqa: F401  (joins the timeline registry)
