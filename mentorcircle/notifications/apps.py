from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "mentorcircle.notifications"
    label = "notifications"

    def ready(self) -> None:
        from mentorcircle.notifications import handlers

        handlers.connect()
