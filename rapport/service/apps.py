from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "rapport.service"
    label = "service"
