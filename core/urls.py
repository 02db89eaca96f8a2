"""Background list exports (core/exports.py): the progress page and the download of the finished file."""

from django.urls import path

from core import exports

app_name = "exports"

urlpatterns = [
    path("<int:pk>/", exports.job_detail, name="job"),
    path("<int:pk>/download/", exports.download, name="download"),
]
