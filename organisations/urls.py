from django.urls import path

from imports import views as imports
from organisations import views

app_name = "organisations"

urlpatterns = [
    path("", views.OrganisationListView.as_view(), name="list"),
    path("new/", views.OrganisationCreateView.as_view(), name="create"),
    path("<int:pk>/", views.OrganisationDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.OrganisationEditView.as_view(), name="edit"),
    path("<int:pk>/desk/", views.desk_assign, name="desk_assign"),
    path("<int:pk>/desk/<int:responsibility_pk>/remove/", views.desk_unassign, name="desk_unassign"),
    path("import/", imports.import_upload, {"kind": "organisations"}, name="import"),
    path("import/template/", imports.template_download, {"kind": "organisations"}, name="import_template"),
    path("export/", imports.export_download, {"kind": "organisations"}, name="export_tree"),
    path("regions/", views.RegionListView.as_view(), name="region_list"),
    path("regions/new/", views.RegionCreateView.as_view(), name="region_create"),
    path("regions/<int:pk>/", views.RegionDetailView.as_view(), name="region_detail"),
    path("regions/<int:pk>/edit/", views.RegionEditView.as_view(), name="region_edit"),
]
