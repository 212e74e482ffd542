"""API access on top of `postmortems.permissions` (which decides who sees what)."""
from rest_framework import permissions

from .models import ApiToken


class ActivePersonWithTokenScope(permissions.BasePermission):
    """Signed in and active; a read-only token may only read."""

    message = "This token is read-only."

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return not (isinstance(request.auth, ApiToken) and request.auth.read_only)
