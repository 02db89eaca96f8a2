from django.urls import path

from imports import views as imports
from subjects import views
from subjects.attachments import ATTACHMENTS

app_name = "subjects"
urlpatterns = [
    path("", views.SubjectListView.as_view(), name="list"),
    path("new/", views.SubjectCreateView.as_view(), name="create"),
    path("import/", imports.import_upload, {"kind": "subjects"}, name="import"),
    path("import/template/", imports.template_download, {"kind": "subjects"}, name="import_template"),
    path("<int:pk>/", views.SubjectDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.SubjectEditView.as_view(), name="edit"),
    path("<int:pk>/transition/", views.SubjectTransitionView.as_view(), name="transition"),
    path("<int:pk>/lifecycle/", views.SubjectLifecycleView.as_view(), name="lifecycle"),
    path("<int:pk>/attachments/", ATTACHMENTS.upload_view(), name="attachment_upload"),
    path("<int:pk>/attachments/<int:attachment_pk>/", ATTACHMENTS.download_view(), name="attachment"),
    path("<int:pk>/attachments/<int:attachment_pk>/delete/", ATTACHMENTS.delete_view(), name="attachment_delete"),
]
