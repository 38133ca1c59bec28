from django.apps import AppConfig


class Sih28Config(AppConfig):
    name = "sih28"
    verbose_name = "SIH28"

    def ready(self) -> None:
        from sih28 import schema  # noqa: F401 - registers the OpenAPI auth extensions
