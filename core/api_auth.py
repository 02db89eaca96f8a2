"""API authentication and the permission class (kept apart from core.api to avoid an import cycle
with rest_framework.views, which reads these settings at import time)."""

from datetime import timedelta

from django.utils import timezone
from rest_framework import exceptions, pagination, permissions
from rest_framework.authentication import TokenAuthentication

from accounts.roles import Action
from audit.context import identify
from core import access

TOKEN_LIFETIME = timedelta(hours=12)


class ExpiringTokenAuthentication(TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token.created < timezone.now() - TOKEN_LIFETIME:
            token.delete()
            raise exceptions.AuthenticationFailed("令牌已过期，请重新获取")
        if user.is_admin_role:
            # The three administrators sign in with a second factor, which a token cannot carry.
            raise exceptions.AuthenticationFailed("管理员账号不能使用 API 令牌")
        if user.is_locked():
            raise exceptions.AuthenticationFailed("账户已锁定")
        identify(user)  # the audit trail names the token's user, as it does for a session (audit/context.py)
        return user, token


class GatePermission(permissions.BasePermission):
    """Authenticated, and for writes the gate's CHANGE action. Reach itself is in get_queryset."""

    message = "无权执行此操作"

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        return access.can(request.user, getattr(view, "write_action", Action.CHANGE), obj)


class Pagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500
