"""The contributing-factor taxonomy: shared themes and each team's own."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render

from postmortems import permissions, theme_tallies
from postmortems.forms import ThemeForm
from postmortems.models import Team, Theme


@login_required
def theme_list(request):
    team_ids = list(permissions.team_roles(request.user))
    themes = list(
        Theme.objects.filter(Q(team__isnull=True) | Q(team_id__in=team_ids))
        .select_related("team")
        .order_by("team__name", "name")
    )
    uses = theme_tallies.uses_for(request.user, themes)
    for theme in themes:
        theme.uses = uses.get(theme.pk, 0)
    lead_teams = Team.objects.filter(pk__in=permissions.lead_team_ids(request.user))
    return render(request, "postmortems/theme_list.html", {
        "themes": themes, "lead_teams": lead_teams, "form": ThemeForm(),
    })


@login_required
def theme_create(request, team_slug):
    team = get_object_or_404(Team, slug=team_slug, pk__in=permissions.lead_team_ids(request.user))
    form = ThemeForm(request.POST or None, instance=Theme(team=team))
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # a savepoint: the page still reads the database after a refusal
                form.save()
        except IntegrityError:
            form.add_error("name", "This team already has a theme with that name.")
        else:
            messages.success(request, f"Added the theme “{form.instance.name}” for {team}.")
            return redirect("postmortems:themes")
    return render(request, "postmortems/theme_form.html", {"form": form, "team": team})
