from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "mentorcircle.notifications"
    label = "notifications"
