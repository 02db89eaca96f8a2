from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView

from core import pickers, views_shell
from jixiao.api import router

urlpatterns = [
    path("", views_shell.home, name="home"),
    path("todo/", views_shell.todo_list, name="todo"),
    path("stage/<slug:key>/", views_shell.stage_view, name="stage"),
    path("fiscal-year/", views_shell.switch_year, name="switch_year"),
    path("pick/<slug:key>/", pickers.pick, name="pick"),
    path("accounts/", include("accounts.urls")),
    path("organisations/", include("organisations.urls")),
    path("audit/", include("audit.urls")),
    path("workflow/", include("workflow.urls")),
    path("reports/", include("reports.urls")),
    path("subjects/", include("subjects.urls")),
    path("assessments/", include("assessments.urls")),
    path("evaluations/", include("evaluations.urls")),
    path("keyevals/", include("keyevals.urls")),
    path("agencies/", include("agencies.urls")),
    path("surveys/", include("surveys.urls")),
    path("s/", include("surveys.public_urls")),
    path("indicators/", include("indicators.urls")),
    path("targets/", include("targets.urls")),
    path("execution/", include("execution.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("imports/", include("imports.urls")),
    path("exports/", include("core.urls")),
    path("api/openapi.json", SpectacularJSONAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include(router.urls)),
    path("api/auth/", include("rest_framework.urls", namespace="rest_framework")),
]
