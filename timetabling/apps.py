from django.apps import AppConfig


class TimetablingConfig(AppConfig):
    name = "timetabling"
    verbose_name = "Timetabling"
