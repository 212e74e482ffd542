"""Write the audit log: one call per change to accounts, memberships, roles and invitations."""
from .models import AuditEntry


def client_address(request):
    """The address the request came from (REMOTE_ADDR: set by the server, not by the client)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(action, summary, *, actor=None, request=None, target_user=None, target_name="", team=None, **details):
    """Append one entry. actor defaults to the request's signed-in user; details must be JSON-safe."""
    if actor is None and request is not None and getattr(request, "user", None) is not None and request.user.is_authenticated:
        actor = request.user
    return AuditEntry.objects.create(
        action=action,
        summary=summary[:300],
        actor=actor,
        actor_name=actor.get_username() if actor is not None else "",
        target_user=target_user,
        target_name=target_name or (target_user.get_username() if target_user is not None else ""),
        team=team,
        ip_address=client_address(request),
        details=details,
    )
