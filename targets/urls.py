from django.urls import path

from targets import views

app_name = "targets"
urlpatterns = [
    path("", views.TargetSheetListView.as_view(), name="list"),
    path("new/", views.create, name="create"),
    path("rules/", views.rules, name="rules"),
    path("<int:pk>/", views.TargetSheetDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/transition/", views.TargetSheetTransitionView.as_view(), name="transition"),
    path("<int:pk>/adjust/", views.adjust, name="adjust"),
    path("<int:pk>/compare/", views.compare, name="compare"),
]
