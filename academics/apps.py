from django.apps import AppConfig


class AcademicsConfig(AppConfig):
    name = "academics"
    verbose_name = "Academics"
