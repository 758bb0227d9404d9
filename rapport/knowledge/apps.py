from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "rapport.knowledge"
    label = "knowledge"
