"""Password rules from the security policy: length, character classes, not the username, history."""

import string

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError


def character_classes(password: str) -> int:
    classes = [
        any(c in string.ascii_uppercase for c in password),
        any(c in string.ascii_lowercase for c in password),
        any(c in string.digits for c in password),
        any(not c.isalnum() for c in password),
    ]
    return sum(classes)


class PolicyPasswordValidator:
    def validate(self, password, user=None):
        from accounts.models import SecurityPolicy

        policy = SecurityPolicy.current()
        errors = []
        if len(password) < policy.min_length:
            errors.append(f"密码长度至少 {policy.min_length} 位")
        if character_classes(password) < policy.min_classes:
            errors.append(f"密码须包含大写字母、小写字母、数字、符号中的至少 {policy.min_classes} 类")
        if user is not None and user.username and user.username.lower() in password.lower():
            errors.append("密码不能包含用户名")
        if user is not None and user.pk:
            # The last N passwords are the current one and the N-1 before it.
            recent = user.password_history.all()[: max(policy.history_count - 1, 0)]
            if any(check_password(password, h.password) for h in recent) or (
                user.password and check_password(password, user.password)
            ):
                errors.append(f"不能与最近 {policy.history_count} 次使用过的密码相同")
        if errors:
            raise ValidationError(errors)

    def get_help_text(self):
        from accounts.models import SecurityPolicy

        try:
            p = SecurityPolicy.current()
        except Exception:
            return "密码须符合安全策略"
        return (
            f"至少 {p.min_length} 位，包含大写字母、小写字母、数字、符号中的至少 {p.min_classes} 类，"
            f"不含用户名，不与最近 {p.history_count} 次密码相同"
        )
