from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "rapport.contacts"
    label = "contacts"

    def ready(self) -> None:
        from rapport.contacts import references  # noqa: F401  (joins the audit registry)
