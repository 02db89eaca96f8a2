from django import forms
from django.contrib.auth import password_validation

from accounts.models import RoleAssignment, SecurityPolicy, User
from accounts.roles import Role
from core import access
from organisations.models import Organisation


class LoginForm(forms.Form):
    username = forms.CharField(
        label="用户名",
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "class": "form-control"}),
    )
    password = forms.CharField(
        label="密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "class": "form-control"}),
    )


class OTPForm(forms.Form):
    token = forms.CharField(
        label="动态口令",
        max_length=8,
        min_length=6,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "numeric", "class": "form-control"}
        ),
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="原密码", strip=False, widget=forms.PasswordInput)
    new_password1 = forms.CharField(
        label="新密码",
        strip=False,
        widget=forms.PasswordInput,
        help_text=password_validation.password_validators_help_text_html(),
    )
    new_password2 = forms.CharField(label="确认新密码", strip=False, widget=forms.PasswordInput)

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_old_password(self):
        value = self.cleaned_data["old_password"]
        if not self.user.check_password(value):
            raise forms.ValidationError("原密码不正确")
        return value

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("new_password1"), cleaned.get("new_password2")
        if p1 and p2 and p1 != p2:
            self.add_error("new_password2", "两次输入的新密码不一致")
        elif p1:
            try:
                password_validation.validate_password(p1, self.user)
            except forms.ValidationError as exc:
                self.add_error("new_password1", exc)
        return cleaned


class UserForm(forms.ModelForm):
    reason = forms.CharField(label="修改理由", required=False, max_length=500)

    class Meta:
        model = User
        fields = ["username", "name", "organisation", "phone", "email"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].required = True
        if user is not None:
            self.fields["organisation"].queryset = access.restrict(Organisation.objects.all(), user, "manage")


class UserCreateForm(UserForm):
    password = forms.CharField(
        label="初始密码", strip=False, widget=forms.PasswordInput, help_text="用户首次登录时须修改"
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password"):
            probe = User(username=cleaned.get("username", ""))
            try:
                password_validation.validate_password(cleaned["password"], probe)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return cleaned


class ResetPasswordForm(forms.Form):
    password = forms.CharField(
        label="新密码", strip=False, widget=forms.PasswordInput, help_text="用户下次登录时须修改"
    )
    reason = forms.CharField(label="理由", max_length=500)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=500)


class RoleGrantForm(forms.Form):
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    organisation = forms.ModelChoiceField(label="机构", queryset=Organisation.objects.none())
    reason = forms.CharField(label="理由", max_length=500, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["organisation"].queryset = access.restrict(
                Organisation.objects.select_related("region"), user, "view"
            )


class SecurityPolicyForm(forms.ModelForm):
    reason = forms.CharField(label="修改理由", max_length=500)

    class Meta:
        model = SecurityPolicy
        fields = [
            "min_length",
            "min_classes",
            "history_count",
            "expiry_days",
            "max_failures",
            "lockout_minutes",
            "idle_minutes",
            "admin_otp_required",
        ]


__all__ = ["RoleAssignment"]
