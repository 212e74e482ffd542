"""What the main navigation needs to know about accounts: which links a person may use."""
from django import template

from accounts import roles
from postmortems import permissions

register = template.Library()


@register.filter
def is_org_admin(user):
    return roles.is_org_admin(user)


@register.filter
def has_teams(user):
    """Whether the Teams link leads anywhere for this person (a member of a team, or an org admin)."""
    return bool(permissions.team_roles(user)) or roles.is_org_admin(user)
