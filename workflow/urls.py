from django.urls import path

from core.views_shell import placeholder

app_name = "workflow"
urlpatterns = [path("chains/", placeholder, name="chain_list")]
