from django.apps import AppConfig


class GroupSessionsConfig(AppConfig):
    name = "mentorcircle.groupsessions"
    label = "groupsessions"
    verbose_name = "Group sessions"
