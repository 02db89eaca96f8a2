from django.urls import path

from workflow import views

app_name = "workflow"
urlpatterns = [
    path("chains/", views.chain_list, name="chain_list"),
    path("chains/new/", views.chain_edit, name="chain_create"),
    path("chains/<int:pk>/edit/", views.chain_edit, name="chain_edit"),
    path("stranded/", views.stranded_list, name="stranded"),
]
