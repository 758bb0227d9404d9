from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "rapport.tenancy"
    label = "tenancy"
