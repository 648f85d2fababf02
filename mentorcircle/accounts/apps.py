from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mentorcircle.accounts"
    label = "accounts"
