from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "rapport.service"
    label = "service"

    def ready(self) -> None:
        from rapport.audit.labels import audit_record_page
        from rapport.service import (  # noqa: F401  (they join the registries)
            exports,
            merge_handlers,
            timeline,
        )

        audit_record_page("service.ticket", "service:ticket_detail")
