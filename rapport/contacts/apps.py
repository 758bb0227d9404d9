from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "rapport.contacts"
    label = "contacts"

    def ready(self) -> None:
        from rapport.contacts import merge_handlers, references  # noqa: F401  (join registries)
