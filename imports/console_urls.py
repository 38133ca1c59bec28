"""The console's import page, mounted under ``/office/``."""

from django.urls import path

from imports import console

urlpatterns = [path("import/", console.import_page, name="office-import")]
