from django.urls import path

from accounts.views import auth, users
from imports import views as imports

app_name = "accounts"

urlpatterns = [
    path("login/", auth.login_view, name="login"),
    path("otp/", auth.otp_view, name="otp"),
    path("logout/", auth.logout_view, name="logout"),
    path("password/", auth.password_change_view, name="password_change"),
    path("users/", users.UserListView.as_view(), name="user_list"),
    path("users/new/", users.user_create, name="user_create"),
    path("users/import/", imports.import_upload, {"kind": "users"}, name="user_import"),
    path("users/import/template/", imports.template_download, {"kind": "users"}, name="user_import_template"),
    path("users/export/", imports.export_download, {"kind": "users"}, name="user_export"),
    path("users/<int:pk>/", users.UserDetailView.as_view(), name="user_detail"),
    path("users/<int:pk>/edit/", users.UserEditView.as_view(), name="user_edit"),
    path("users/<int:pk>/enable/", users.user_set_active, {"active": 1}, name="user_enable"),
    path("users/<int:pk>/disable/", users.user_set_active, {"active": 0}, name="user_disable"),
    path("users/<int:pk>/unlock/", users.user_unlock, name="user_unlock"),
    path("users/<int:pk>/reset-password/", users.user_reset_password, name="user_reset_password"),
    path("users/<int:pk>/reset-otp/", users.user_reset_otp, name="user_reset_otp"),
    path("users/<int:pk>/roles/", users.role_grant, name="role_grant"),
    path("users/<int:pk>/roles/<int:assignment_pk>/revoke/", users.role_revoke, name="role_revoke"),
    path("policy/", users.policy_view, name="policy"),
]
