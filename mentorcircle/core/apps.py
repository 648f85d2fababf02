from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mentorcircle.core"
    label = "core"
