from rest_framework import serializers, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.filtersets import UserFilterSet
from accounts.models import RoleAssignment, User
from core.api import GatedModelSerializer, GatedReadOnlyViewSet, GatedSerializer


class RoleAssignmentSerializer(GatedModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = RoleAssignment
        fields = ["id", "role", "role_display", "organisation", "organisation_name"]


class UserSerializer(GatedModelSerializer):
    roles = RoleAssignmentSerializer(many=True, read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name", "organisation", "phone", "email", "is_active", "roles", "last_login"]


class UserViewSet(GatedReadOnlyViewSet):
    """Accounts within the administrator's reach (read-only; changes go through the pages' actions)."""

    api_description = "账号（只读）：系统管理员、安全管理员查看本局辖区内的账号；新增、停用、授权请在页面上办理。"

    queryset = User.objects.select_related("organisation").prefetch_related("roles__organisation")
    serializer_class = UserSerializer
    filterset_class = UserFilterSet


class MeView(viewsets.ViewSet):
    """The signed-in user and their roles."""

    api_description = "当前登录用户及其角色、所在机构。"

    def list(self, request):
        return Response(UserSerializer(request.user).data)


class TokenSerializer(GatedSerializer):
    username = serializers.CharField()
    password = serializers.CharField()


class TokenView(viewsets.ViewSet):
    """Exchange username and password for an API token (12 hours). Administrators cannot."""

    api_description = "用用户名和密码换取 API 令牌（有效 12 小时），之后在请求头写 `Authorization: Token <令牌>`。三员账号须使用动态口令登录页面，不能取得令牌。用户名不存在、密码错误或账户锁定一律返回 400 和同一提示；同一来源地址登录失败过多时返回 429，须等待提示的分钟数。"

    permission_classes = [AllowAny]
    authentication_classes = []
    serializer_class = TokenSerializer

    def create(self, request):
        """Same answer (400, one message) for an unknown username, a wrong password and a locked account;
        429 for an address that failed too often (accounts/signin.py)."""
        from accounts import actions, signin
        from audit.context import client_ip

        data = TokenSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        # The Django request, not DRF's wrapper: the address throttle marks the request it is given.
        outcome = signin.check_credentials(
            request._request, data.validated_data["username"], data.validated_data["password"]
        )
        if outcome.throttled:
            return signin.throttled_response(request._request)
        authenticated = outcome.user
        if authenticated is None:
            return Response({"detail": outcome.error}, status=400)
        if authenticated.is_admin_role:
            return Response({"detail": "管理员账号须通过页面使用动态口令登录，不能获取 API 令牌"}, status=403)
        if authenticated.must_change_password or actions.password_expired(authenticated):
            return Response({"detail": "请先登录页面修改密码"}, status=403)
        Token.objects.filter(user=authenticated).delete()
        token = Token.objects.create(user=authenticated)
        actions.register_success(authenticated, client_ip(request))
        return Response({"token": token.key, "expires_in": 12 * 3600})
