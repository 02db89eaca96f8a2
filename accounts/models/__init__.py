from accounts.models.policy import SecurityPolicy
from accounts.models.user import PasswordHistory, RoleAssignment, User, UserSession

__all__ = ["PasswordHistory", "RoleAssignment", "SecurityPolicy", "User", "UserSession"]
