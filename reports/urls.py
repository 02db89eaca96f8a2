from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.WorkReportListView.as_view(), name="list"),
    path("new/", views.WorkReportCreateView.as_view(), name="create"),
    path("<int:pk>/", views.WorkReportDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.WorkReportEditView.as_view(), name="edit"),
    path("<int:pk>/transition/", views.WorkReportTransitionView.as_view(), name="transition"),
    path("<int:pk>/attachment/", views.attachment, name="attachment"),
]
