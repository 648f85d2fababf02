from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "mentorcircle.programs"
    label = "programs"
