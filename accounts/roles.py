"""The organisation admin role: runs teams and people, reads the audit log; not a Django superuser.

It is a Django group, so granting it needs no code and no migration per person; `/admin/` stays
for superusers only.
"""
from django.contrib.auth.models import Group

ORG_ADMINS = "Organisation admins"


def is_org_admin(user):
    """Whether user may run teams and accounts (superusers always may)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_is_org_admin", None)
    if cached is None:
        cached = user._is_org_admin = user.groups.filter(name=ORG_ADMINS).exists()
    return cached


def make_org_admin(user, granted=True):
    """Grant (or with granted=False, withdraw) the organisation admin role."""
    group, _ = Group.objects.get_or_create(name=ORG_ADMINS)
    if granted:
        user.groups.add(group)
    else:
        user.groups.remove(group)
    user.__dict__.pop("_is_org_admin", None)


def set_org_admin(user, granted, *, by, request=None):
    """Grant or withdraw the role as `by`, audit-logged. Only organisation admins may (PermissionError)."""
    from accounts import audit

    if not is_org_admin(by):
        raise PermissionError("Only organisation admins grant or withdraw the organisation admin role.")
    if by.pk == user.pk and not granted:
        raise PermissionError("Ask another organisation admin to withdraw your role.")
    if is_org_admin(user) == granted or (user.is_superuser and not granted):
        return False
    make_org_admin(user, granted)
    action = "role.org_admin_granted" if granted else "role.org_admin_withdrawn"
    verb = "Made" if granted else "Withdrew organisation admin from"
    summary = f"{verb} {user.get_username()}{' an organisation admin' if granted else ''}"
    audit.record(action, summary, actor=by, request=request, target_user=user)
    return True
