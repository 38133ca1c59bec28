from django.apps import AppConfig


class Sih28Config(AppConfig):
    name = "sih28"
    verbose_name = "SIH28"
