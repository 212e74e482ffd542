"""Self-service teams: who may run a team, and the changes they make (each one audit-logged).

A team's leads run their own team; organisation admins run every team and create new ones.
A team always keeps at least one lead, so there is someone to invite, review and be reminded.
"""
from django.db import transaction
from django.utils.text import slugify

from accounts import audit
from accounts.roles import is_org_admin
from postmortems import permissions
from postmortems.models import Membership, Team

LEAD = Membership.Role.LEAD


class LastLeadError(Exception):
    """The change would leave the team without a lead."""


def can_manage_team(user, team):
    """Leads of this team and organisation admins change its members, roles and default viewers."""
    return is_org_admin(user) or permissions.team_roles(user).get(team.pk) == LEAD


def can_view_team(user, team):
    """Members see their team's page (the member list); managers see and change everything."""
    return can_manage_team(user, team) or team.pk in permissions.team_roles(user)


def teams_visible_to(user):
    if is_org_admin(user):
        return Team.objects.all()
    return Team.objects.filter(pk__in=list(permissions.team_roles(user)))


def _forget_roles(user):
    # permissions.team_roles caches on the user object; a changed membership must not read stale.
    user.__dict__.pop("_debrief_team_roles", None)


def _name(user):
    return user.get_username()


def add_member(team, user, role, *, by, request=None):
    """Add an existing, active person to the team (people without an account are invited instead)."""
    membership, created = Membership.objects.get_or_create(team=team, user=user, defaults={"role": role})
    if created:
        audit.record("membership.added", f"Added {_name(user)} to {team} as {role}", actor=by, request=request,
                     target_user=user, team=team, role=role)
        _forget_roles(user)
    return membership, created


def _other_leads(team, user):
    return Membership.objects.filter(team=team, role=LEAD).exclude(user=user).exclude(user__is_active=False)


def set_role(membership, role, *, by, request=None):
    """Change a member's role; refuses to turn the last (active) lead into a member."""
    with transaction.atomic():
        # Locking the team's lead rows makes two leads demoting each other at once take turns.
        list(Membership.objects.select_for_update().filter(team_id=membership.team_id, role=LEAD))
        membership = Membership.objects.select_related("team", "user").get(pk=membership.pk)
        if membership.role == role:
            return membership
        if membership.role == LEAD and not _other_leads(membership.team, membership.user).exists():
            raise LastLeadError(f"{membership.team} needs at least one lead: make someone else a lead first.")
        old = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        audit.record("membership.role_changed", f"{_name(membership.user)} is now {role} of {membership.team}",
                     actor=by, request=request, target_user=membership.user, team=membership.team,
                     role=role, previous_role=old)
    _forget_roles(membership.user)
    return membership


def remove_member(membership, *, by, request=None):
    """Take someone off a team; refuses to remove its last (active) lead."""
    with transaction.atomic():
        list(Membership.objects.select_for_update().filter(team_id=membership.team_id, role=LEAD))
        membership = Membership.objects.select_related("team", "user").filter(pk=membership.pk).first()
        if membership is None:
            return False
        if membership.role == LEAD and not _other_leads(membership.team, membership.user).exists():
            raise LastLeadError(f"{membership.team} needs at least one lead: make someone else a lead first.")
        membership.delete()
        audit.record("membership.removed", f"Removed {_name(membership.user)} from {membership.team}", actor=by,
                     request=request, target_user=membership.user, team=membership.team, role=membership.role)
    _forget_roles(membership.user)
    return True


def set_default_viewers(team, people, *, by, request=None):
    """Who is added as a viewer to each new people incident of this team."""
    before = set(team.default_viewers.values_list("username", flat=True))
    team.default_viewers.set(people)
    after = {person.get_username() for person in people}
    if before == after:
        return
    audit.record("team.default_viewers_changed", f"Default viewers of {team}: {', '.join(sorted(after)) or 'none'}",
                 actor=by, request=request, team=team, added=sorted(after - before), removed=sorted(before - after))


def unique_slug(name):
    base = slugify(name)[:90] or "team"
    slug, n = base, 2
    while Team.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_team(name, *, first_lead, by, request=None, description=""):
    """A new team with its first lead (organisation admins only; the view checks)."""
    with transaction.atomic():
        team = Team.objects.create(name=name, slug=unique_slug(name), description=description)
        audit.record("team.created", f"Created team {team}", actor=by, request=request, team=team)
        add_member(team, first_lead, LEAD, by=by, request=request)
    return team
