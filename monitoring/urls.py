from django.urls import path

from monitoring import views, views_dashboard, views_holds

app_name = "monitoring"
urlpatterns: list = [
    path("rounds/", views.MonitoringRoundListView.as_view(), name="rounds"),
    path("rounds/new/", views.round_create, name="round_create"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/close/", views.round_close, name="round_close"),
    path("rounds/<int:pk>/scan/", views.round_scan, name="round_scan"),
    path("rounds/<int:pk>/report/<str:level>/<int:key>/", views.round_report, name="round_report"),
    path("tables/", views.MonitoringTableListView.as_view(), name="tables"),
    path("tables/<int:pk>/", views.MonitoringTableDetailView.as_view(), name="table"),
    path("tables/<int:pk>/edit/", views.MonitoringTableEditView.as_view(), name="table_edit"),
    path("tables/<int:pk>/light/", views.row_light, name="row_light"),
    path("tables/<int:pk>/transition/", views.MonitoringTableTransitionView.as_view(), name="table_transition"),
    path("warnings/", views.PerformanceWarningListView.as_view(), name="warnings"),
    path("warnings/<int:pk>/", views.warning_detail, name="warning"),
    path("warnings/<int:pk>/reply/", views.warning_reply, name="warning_reply"),
    path("warnings/<int:pk>/dispose/", views.warning_dispose, name="warning_dispose"),
    path("warnings/<int:pk>/dismiss/", views.warning_dismiss, name="warning_dismiss"),
    path("holds/", views_holds.DisbursementHoldListView.as_view(), name="holds"),
    path("holds/new/", views_holds.hold_create, name="hold_create"),
    path("holds/<int:pk>/lift/", views_holds.hold_lift, name="hold_lift"),
    path("holds/<int:pk>/apply/", views_holds.hold_apply, name="hold_apply"),
    path("rules/", views.rules, name="rules"),
    # Dual-monitoring figures: the dashboard, a subject's figures over time, the refresh, the thresholds.
    path("dashboard/", views_dashboard.dashboard, name="dashboard"),
    path("dashboard/subjects/<int:pk>/", views_dashboard.subject_detail, name="dashboard_subject"),
    path("dashboard/refresh/", views_dashboard.refresh_start, name="refresh_start"),
    path("dashboard/refresh/status/", views_dashboard.refresh_status, name="refresh_status"),
    path("thresholds/", views_dashboard.thresholds_page, name="thresholds"),
]
