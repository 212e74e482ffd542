"""The organisation page: teams and people, for organisation admins only."""
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import leaving, roles, teams
from accounts.forms import TeamForm
from postmortems.models import Team

User = get_user_model()


def require_org_admin(request):
    if not roles.is_org_admin(request.user):
        raise PermissionDenied("Only organisation admins may do that.")


@login_required
def organisation_page(request, team_form=None):
    require_org_admin(request)
    admins = User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name=roles.ORG_ADMINS)
    people = User.objects.annotate(is_org_admin=Exists(admins), team_count=Count("memberships")).order_by(
        "-is_active", "username")
    return render(request, "accounts/organisation.html", {
        "teams": Team.objects.annotate(member_count=Count("memberships")).order_by("name"),
        "people": people,
        "team_form": team_form or TeamForm(),
    }, status=400 if team_form is not None else 200)


@login_required
@require_POST
def team_create(request):
    require_org_admin(request)
    form = TeamForm(request.POST)
    if not form.is_valid():
        return organisation_page(request, team_form=form)
    team = teams.create_team(form.cleaned_data["name"], first_lead=form.cleaned_data["first_lead"],
                             by=request.user, request=request)
    messages.success(request, f"Team {team} created.")
    return redirect("accounts:team", slug=team.slug)


@login_required
@require_POST
def person_active(request, pk):
    require_org_admin(request)
    person = get_object_or_404(User, pk=pk)
    if person.is_superuser and not request.user.is_superuser:
        raise PermissionDenied("Only a superuser may deactivate a superuser.")
    if request.POST.get("active") == "0":
        try:
            changed = leaving.deactivate(person, by=request.user, request=request)
        except leaving.CannotDeactivateSelf as error:
            messages.error(request, str(error))
            return redirect("accounts:organisation")
        if changed:
            messages.success(request, f"{person.get_username()} is deactivated; their open action items now need "
                                      "a new owner on their teams' dashboards.")
    elif leaving.reactivate(person, by=request.user, request=request):
        messages.success(request, f"{person.get_username()} can sign in again.")
    return redirect("accounts:organisation")


@login_required
@require_POST
def person_org_admin(request, pk):
    require_org_admin(request)
    person = get_object_or_404(User, pk=pk, is_active=True)
    granted = request.POST.get("grant") == "1"
    try:
        changed = roles.set_org_admin(person, granted, by=request.user, request=request)
    except PermissionError as error:
        messages.error(request, str(error))
        return redirect("accounts:organisation")
    if changed:
        messages.success(request, f"{person.get_username()} {'is now' if granted else 'is no longer'} an "
                                  "organisation admin.")
    return redirect("accounts:organisation")
