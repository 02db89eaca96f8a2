from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.AuditEntryListView.as_view(), name="list"),
    path("<int:pk>/", views.AuditEntryDetailView.as_view(), name="detail"),
]
