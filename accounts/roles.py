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
