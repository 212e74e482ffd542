"""The team page: members, roles, invitations and default viewers.

Members of the team may read it; its leads and organisation admins change it. Everyone else
gets a 404, so team pages do not reveal which teams exist.
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import invitations, teams
from accounts.forms import AddMemberForm, DefaultViewersForm, InviteForm, RoleForm
from accounts.models import Invitation
from postmortems.models import Membership, Team


def _team_for(request, slug, *, manage=False):
    team = get_object_or_404(Team, slug=slug)
    if not teams.can_view_team(request.user, team):
        raise Http404("No such team.")
    if manage and not teams.can_manage_team(request.user, team):
        raise PermissionDenied("Only the team's leads and organisation admins change the team.")
    return team


@login_required
def team_list(request):
    """The teams this person is in (every team, for organisation admins)."""
    visible = teams.teams_visible_to(request.user).order_by("name")
    return render(request, "accounts/team_list.html", {"teams": visible})


@login_required
def team_page(request, slug, *, forms=None, status=200):
    team = _team_for(request, slug)
    can_manage = teams.can_manage_team(request.user, team)
    context = {
        "team": team,
        "can_manage": can_manage,
        "memberships": team.memberships.select_related("user").order_by("-role", "user__username"),
        "roles": Membership.Role.choices,
        "now": timezone.now(),
    }
    if can_manage:
        forms = forms or {}
        context.update({
            "invite_form": forms.get("invite") or InviteForm(),
            "add_form": forms.get("add") or AddMemberForm(team=team),
            "viewers_form": forms.get("viewers") or DefaultViewersForm(team=team),
            "pending": team.invitations.pending().select_related("invited_by").order_by("email"),
            "default_viewers": team.default_viewers.order_by("username"),
        })
    return render(request, "accounts/team_detail.html", context, status=status)


@login_required
@require_POST
def team_invite(request, slug):
    team = _team_for(request, slug, manage=True)
    form = InviteForm(request.POST)
    if not form.is_valid():
        return team_page(request, slug, forms={"invite": form}, status=400)
    result = invitations.invite(team, form.cleaned_data["addresses"], form.cleaned_data["role"],
                                by=request.user, request=request)
    sent = [i.email for i in result.invited + result.resent]
    if sent:
        messages.success(request, f"Invitation sent to {', '.join(sent)}.")
    if result.already_members:
        messages.info(request, f"Already in {team}: {', '.join(result.already_members)}.")
    return redirect("accounts:team", slug=team.slug)


@login_required
@require_POST
def member_add(request, slug):
    team = _team_for(request, slug, manage=True)
    form = AddMemberForm(request.POST, team=team)
    if not form.is_valid():
        return team_page(request, slug, forms={"add": form}, status=400)
    membership, _ = teams.add_member(team, form.cleaned_data["user"], form.cleaned_data["role"],
                                     by=request.user, request=request)
    messages.success(request, f"{membership.user.get_username()} added to {team}.")
    return redirect("accounts:team", slug=team.slug)


@login_required
@require_POST
def member_role(request, slug, pk):
    team = _team_for(request, slug, manage=True)
    membership = get_object_or_404(Membership, pk=pk, team=team)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose member or lead.")
        return redirect("accounts:team", slug=team.slug)
    try:
        teams.set_role(membership, form.cleaned_data["role"], by=request.user, request=request)
    except teams.LastLeadError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{membership.user.get_username()} is now a {form.cleaned_data['role']}.")
    return redirect("accounts:team", slug=team.slug)


@login_required
@require_POST
def member_remove(request, slug, pk):
    team = _team_for(request, slug, manage=True)
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=pk, team=team)
    try:
        teams.remove_member(membership, by=request.user, request=request)
    except teams.LastLeadError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{membership.user.get_username()} removed from {team}.")
    # Someone who removed themselves can no longer see the team page.
    if not teams.can_view_team(request.user, team):
        return redirect("postmortems:list")
    return redirect("accounts:team", slug=team.slug)


@login_required
@require_POST
def default_viewers(request, slug):
    team = _team_for(request, slug, manage=True)
    form = DefaultViewersForm(request.POST, team=team)
    if not form.is_valid():
        return team_page(request, slug, forms={"viewers": form}, status=400)
    teams.set_default_viewers(team, list(form.cleaned_data["viewers"]), by=request.user, request=request)
    messages.success(request, "Default viewers saved.")
    return redirect("accounts:team", slug=team.slug)


def _pending_invitation(team, pk):
    return get_object_or_404(Invitation, pk=pk, team=team)


@login_required
@require_POST
def invitation_resend(request, slug, pk):
    team = _team_for(request, slug, manage=True)
    invitation = _pending_invitation(team, pk)
    try:
        invitations.resend(invitation, by=request.user, request=request)
    except invitations.InvitationUnavailable as error:
        messages.error(request, f"That invitation was already {error.state}.")
    else:
        messages.success(request, f"Invitation to {invitation.email} sent again with a new link.")
    return redirect("accounts:team", slug=team.slug)


@login_required
@require_POST
def invitation_revoke(request, slug, pk):
    team = _team_for(request, slug, manage=True)
    invitation = _pending_invitation(team, pk)
    if invitations.revoke(invitation, by=request.user, request=request):
        messages.success(request, f"Invitation to {invitation.email} withdrawn: its link no longer works.")
    else:
        messages.error(request, "That invitation was already accepted or withdrawn.")
    return redirect("accounts:team", slug=team.slug)
