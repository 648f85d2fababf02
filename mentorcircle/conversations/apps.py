from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "mentorcircle.conversations"
    label = "conversations"

    def ready(self) -> None:
        from mentorcircle.conversations import handlers

        handlers.connect()
