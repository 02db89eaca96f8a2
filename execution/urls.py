from django.urls import path

from execution import views

app_name = "execution"
urlpatterns = [
    path("payments/", views.PaymentListView.as_view(), name="payment_list"),
    path("allocations/", views.AllocationListView.as_view(), name="allocation_list"),
    path("payments/upload/", views.upload, {"kind": "payments"}, name="upload_payments"),
    path("allocations/upload/", views.upload, {"kind": "allocations"}, name="upload_allocations"),
    path("payments/template.<str:fmt>", views.template, {"kind": "payments"}, name="template_payments"),
    path("allocations/template.<str:fmt>", views.template, {"kind": "allocations"}, name="template_allocations"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/progress/", views.job_progress, name="job_progress"),
    path("jobs/<int:pk>/errors/", views.job_errors, name="job_errors"),
    path("unmatched/", views.unmatched, name="unmatched"),
    path("unmatched/match/", views.match, name="match"),
    path("unmatched/ignore/", views.ignore, name="ignore"),
]
