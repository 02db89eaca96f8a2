from django.urls import path

from core.views_shell import placeholder

app_name = "reports"
urlpatterns = [path("", placeholder, name="list")]
