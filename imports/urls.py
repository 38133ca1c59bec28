from django.urls import path

from imports.api import InstitutionImportView

urlpatterns = [
    path("imports/", InstitutionImportView.as_view(), name="imports"),
]
