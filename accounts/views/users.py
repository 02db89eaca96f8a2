"""Account administration: the system admin manages accounts, the security admin roles and policy."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import actions
from accounts.filtersets import UserFilterSet
from accounts.forms import ReasonForm, ResetPasswordForm, RoleGrantForm, SecurityPolicyForm, UserCreateForm, UserForm
from accounts.models import RoleAssignment, SecurityPolicy, User
from accounts.tables import UserTable
from audit import trail
from core import access, services
from core.views import GatedDetailView, GatedListView, GatedUpdateView


class UserListView(GatedListView):
    model = User
    table_class = UserTable
    filterset_class = UserFilterSet
    title = "用户"
    create_url_name = "accounts:user_create"

    def base_queryset(self):
        return User.objects.select_related("organisation").prefetch_related("roles")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not (
            access.has_capability(request.user, "manage_accounts")
            or access.has_capability(request.user, "manage_roles")
        ):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    create_capability = "manage_accounts"
    extra_actions_capability = "manage_accounts"
    extra_actions = (
        ("accounts:user_import", "从 Excel 导入", "bi-upload"),
        ("accounts:user_export", "导出用户清单", "bi-people"),
        ("accounts:user_import_template", "下载导入模板", "bi-file-earmark-arrow-down"),
    )


class UserDetailView(GatedDetailView):
    model = User
    template_name = "accounts/user_detail.html"
    context_object_name = "account"  # not "user": that would replace the signed-in user in the page shell
    change_action = "manage"

    def base_queryset(self):
        return User.objects.select_related("organisation")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["assignments"] = self.object.roles.select_related("organisation")
        context["can_manage_roles"] = access.has_capability(user, "manage_roles")
        context["can_unlock"] = access.has_capability(user, "unlock_accounts")
        context["can_manage_accounts"] = access.has_capability(user, "manage_accounts")
        context["grant_form"] = RoleGrantForm(user=user)
        context["reset_form"] = ResetPasswordForm()
        context["reason_form"] = ReasonForm()
        context["session_count"] = self.object.sessions.count()
        return context


class UserEditView(GatedUpdateView):
    model = User
    form_class = UserForm
    context_object_name = "account"  # not "user" (see UserDetailView)
    action = "manage"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs


@login_required
def user_create(request):
    if not access.has_capability(request.user, "manage_accounts"):
        raise Http404
    form = UserCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save(commit=False)
        password = form.cleaned_data["password"]
        user.set_unusable_password()
        try:
            services.create_record(user, reason=form.cleaned_data.get("reason", ""))
            actions.set_password(user, password, by_admin=True, reason="新建账号设置初始密码")
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已新建用户 {user}，首次登录须修改密码")
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "core/form.html", {"form": form, "title": "新建用户"})


def _managed_user(request, pk, action="view"):
    return access.get_object_or_404(User.objects.all(), request.user, action, pk=pk)


def _run(request, fn, success: str):
    try:
        fn()
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(request, success)


@login_required
@require_POST
def user_set_active(request, pk, active):
    target = _managed_user(request, pk, "manage")
    form = ReasonForm(request.POST)
    reason = form.data.get("reason", "")
    _run(
        request,
        lambda: actions.set_active(request.user, target, bool(active), reason),
        "账号已启用" if active else "账号已停用，其会话已全部注销",
    )
    return redirect("accounts:user_detail", pk=pk)


@login_required
@require_POST
def user_unlock(request, pk):
    target = _managed_user(request, pk)
    _run(request, lambda: actions.unlock(request.user, target, request.POST.get("reason", "").strip()), "已解除锁定")
    return redirect("accounts:user_detail", pk=pk)


@login_required
@require_POST
def user_reset_password(request, pk):
    target = _managed_user(request, pk, "manage")
    if not access.has_capability(request.user, "manage_accounts"):
        raise Http404
    form = ResetPasswordForm(request.POST)
    if form.is_valid():

        def reset():
            actions._guard_admin_account(request.user, target)
            actions.set_password(
                target, form.cleaned_data["password"], by_admin=True, reason=form.cleaned_data["reason"]
            )
            actions.kill_sessions(target)

        _run(request, reset, "密码已重置，用户下次登录须修改密码")
    else:
        messages.error(request, "请填写新密码和理由")
    return redirect("accounts:user_detail", pk=pk)


@login_required
@require_POST
def role_grant(request, pk):
    target = _managed_user(request, pk)
    form = RoleGrantForm(request.POST, user=request.user)
    if form.is_valid():
        _run(
            request,
            lambda: actions.grant_role(
                request.user,
                target,
                form.cleaned_data["role"],
                form.cleaned_data["organisation"],
                form.cleaned_data["reason"],
            ),
            "已授予角色",
        )
    else:
        messages.error(request, "请选择角色和机构")
    return redirect("accounts:user_detail", pk=pk)


@login_required
@require_POST
def role_revoke(request, pk, assignment_pk):
    target = _managed_user(request, pk)
    assignment = RoleAssignment.objects.filter(pk=assignment_pk, user=target).first()
    if assignment is None:
        raise Http404
    _run(request, lambda: actions.revoke_role(request.user, assignment, request.POST.get("reason", "")), "已撤销角色")
    return redirect("accounts:user_detail", pk=pk)


@login_required
def policy_view(request):
    if not access.has_capability(request.user, "manage_security"):
        raise Http404
    policy = SecurityPolicy.current()
    before = trail.snapshot(policy)
    form = SecurityPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        changes = actions.update_policy(request.user, form.instance, before, form.cleaned_data["reason"])
        messages.success(request, "安全策略已更新" if changes else "没有修改")
        return redirect("accounts:policy")
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": "安全策略",
            "intro": "默认值为等保三级基线：密码至少 8 位含 3 类字符，90 天过期，"
            "不得与最近 5 次相同；连续 5 次失败锁定 30 分钟；空闲 30 分钟退出。",
        },
    )


@login_required
@require_POST
def user_reset_otp(request, pk):
    target = _managed_user(request, pk)
    try:
        secret = actions.reset_otp(request.user, target, request.POST.get("reason", "").strip())
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(request, f"已重置动态口令。新密钥（仅显示一次，请当面交给本人）：{secret}")
    return redirect("accounts:user_detail", pk=pk)
