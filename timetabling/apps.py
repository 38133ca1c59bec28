from django.apps import AppConfig


class TimetablingConfig(AppConfig):
    name = "timetabling"
    verbose_name = "Timetabling"

    def ready(self) -> None:
        # Registers the Celery tasks in every process (web, commands, workers), so a job is
        # queued by the task's name without the generation package importing its caller.
        from timetabling import tasks  # noqa: F401
