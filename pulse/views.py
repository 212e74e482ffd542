"""The pulse's pages: answering (signed in, or from the emailed link), results, export, and the leads' settings.

Team pages answer 404 to anyone outside the team, so they do not reveal which teams
exist; leads-only pages answer 403 to the team's other members. Results come only
from `pulse.results`, which applies the threshold.
"""
import csv
import functools
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from accounts.audit import spreadsheet_safe
from postmortems import permissions
from postmortems.models import Team
from pulse import answers, periods, questions, results
from pulse.forms import AnswerForm, PulseSettingsForm, QuestionsForm
from pulse.models import PulseSettings, QuestionSet

# How many of a team's latest periods its results page lists.
LISTED_PERIODS = 12
# How many periods the CSV export covers: two years of weekly periods.
EXPORTED_PERIODS = 104


def _origin_only_referrer(view):
    """Pages whose address holds a private link send only the site's origin as Referer, never the link.

    Not "no-referrer": browsers then send `Origin: null` with the form, which the CSRF check refuses.
    """
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.headers["Referrer-Policy"] = "strict-origin"
        return response

    return wrapped


def _team_for(request, slug, *, lead=False):
    team = get_object_or_404(Team, slug=slug)
    if not permissions.can_see_pulse(request.user, team):
        raise Http404("No such team.")
    if lead and not permissions.can_lead_pulse(request.user, team):
        raise PermissionDenied("Only the team's leads change its pulse.")
    return team


@login_required
def index(request):
    """The person's teams, each with its pulse state for them."""
    now = timezone.now()
    team_ids = permissions.pulse_team_ids(request.user)
    enabled = set(PulseSettings.objects.filter(team_id__in=team_ids, enabled=True).values_list("team_id", flat=True))
    rows = []
    for team in Team.objects.filter(pk__in=team_ids).order_by("name"):
        period = periods.current_period(team, request.user, now) if team.pk in enabled else None
        rows.append({
            "team": team, "enabled": team.pk in enabled, "period": period,
            "answered": period is not None and answers.has_answered(request.user, period),
            "is_lead": permissions.can_lead_pulse(request.user, team),
        })
    return render(request, "pulse/index.html", {"rows": rows})


@login_required
def team_results(request, slug):
    team = _team_for(request, slug)
    return render(request, "pulse/team.html", {
        "team": team,
        "summaries": results.recent_periods(team, limit=LISTED_PERIODS),
        "is_lead": permissions.can_lead_pulse(request.user, team),
        "min_responses": results.min_responses(),
        "enabled": PulseSettings.objects.filter(team=team, enabled=True).exists(),
    })


@login_required
def period_results(request, slug, start):
    team = _team_for(request, slug)
    try:
        period_start = date.fromisoformat(start)
    except ValueError:
        raise Http404("No such period.") from None
    summary = results.period_summary(team, period_start)
    if summary is None:
        raise Http404("No such period.")
    is_lead = permissions.can_lead_pulse(request.user, team)
    comments = results.free_text(team, period_start) if is_lead and summary.state == "ready" else None
    return render(request, "pulse/period.html", {
        "team": team, "summary": summary, "is_lead": is_lead, "comments": comments,
        "min_responses": results.min_responses(),
    })


@login_required
def export_csv(request, slug):
    """The team's aggregated results, one row per statement of each period at or above the threshold."""
    team = _team_for(request, slug)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="pulse-{team.slug}-{timezone.localdate().isoformat()}.csv"'
    writer = csv.writer(response)
    writer.writerow(["Team", "Period start", "Period end", "Questions version", "Statement", "Responses", "Mean",
                     "1", "2", "3", "4", "5"])
    for summary in results.recent_periods(team, limit=EXPORTED_PERIODS):
        if summary.state != "ready":
            continue
        found = summary.results
        for line in found.statements:
            writer.writerow([spreadsheet_safe(cell) for cell in [
                team.name, found.period.start.isoformat(), found.period.last_day.isoformat(),
                found.question_set.version, line.statement.text, found.response_count, f"{line.mean:.2f}",
                *[count for _, count in line.distribution],
            ]])
    return response


# Answering ---------------------------------------------------------------------------

@_origin_only_referrer
@never_cache
@login_required
def answer_in_app(request, slug):
    """The pulse form for a signed-in member; afterwards it shows their private link for changes."""
    team = _team_for(request, slug)
    # The request log keeps no user id for answers (see config.requestlog): a line saying who posted
    # an answer, and when, is more than the Participation row records.
    request.log_without_user = True
    context = {"team": team}
    if not PulseSettings.objects.filter(team=team, enabled=True).exists():
        return render(request, "pulse/answer.html", {**context, "state": "off"})
    period = periods.current_period(team, request.user)
    context["period"] = period
    if answers.has_answered(request.user, period):
        return render(request, "pulse/answer.html", {**context, "state": "answered"})
    form = AnswerForm(period.question_set, request.POST or None)
    if request.method == "POST" and form.is_valid():
        ticket = answers.new_ticket(request.user, period)
        try:
            answers.submit(ticket, scores=form.scores(), free_text=form.comment())
        except answers.AlreadyAnswered:
            return render(request, "pulse/answer.html", {**context, "state": "answered"})
        except answers.PeriodClosed:
            return render(request, "pulse/answer.html", {**context, "state": "closed"})
        # Shown once, never stored: the person's only way back to this response.
        return render(request, "pulse/answered.html", {**context, "link": ticket.url, "first": True})
    return render(request, "pulse/answer.html", {**context, "state": "form", "form": form})


@_origin_only_referrer
@never_cache
def answer_link(request):
    """The emailed link: no session needed. GET carries the token in the query, POST in the form."""
    request.log_without_user = True  # as for the in-app answer
    token = request.POST.get("token", "") if request.method == "POST" else request.GET.get("t", "")
    try:
        ticket = answers.ticket_from_token(token)
    except answers.LinkUnusable as error:
        status = 410 if error.state == "closed" else 404
        return render(request, "pulse/link_unusable.html", {"state": error.state}, status=status)
    period = ticket.period
    context = {"team": period.team, "period": period, "token": token, "from_link": True}
    existing = answers.response_for(ticket)
    if existing is None and answers.has_answered(ticket.person, period):
        return render(request, "pulse/answer.html", {**context, "state": "answered_elsewhere"})
    form = AnswerForm(period.question_set, request.POST or None, initial=AnswerForm.initial_from(existing))
    if request.method == "POST" and form.is_valid():
        try:
            answers.submit(ticket, scores=form.scores(), free_text=form.comment())
        except answers.AlreadyAnswered:
            return render(request, "pulse/answer.html", {**context, "state": "answered_elsewhere"})
        except answers.PeriodClosed:
            return render(request, "pulse/link_unusable.html", {"state": "closed"}, status=410)
        return render(request, "pulse/answered.html", {**context, "link": ticket.url, "first": existing is None})
    return render(request, "pulse/answer.html", {
        **context, "state": "form", "form": form, "changing": existing is not None,
    })


# The leads' pages -----------------------------------------------------------------------

@login_required
def edit_questions(request, slug):
    team = _team_for(request, slug, lead=True)
    current = questions.current_set(team)
    form = QuestionsForm(request.POST or None, initial=QuestionsForm.initial_from(current))
    if request.method == "POST" and form.is_valid():
        saved = questions.edit(team, form.statements(), form.cleaned_data["free_text_question"], by=request.user)
        if saved.pk == current.pk:
            messages.info(request, "Nothing changed: the questions stay as they are.")
        else:
            messages.success(request, f"Saved as version {saved.version}. Periods that start from now on ask it; "
                                      "a period already under way keeps the questions it started with.")
        return redirect("pulse:questions", slug=team.slug)
    versions = QuestionSet.objects.filter(team=team).prefetch_related("statements").order_by("-version")
    return render(request, "pulse/questions.html", {"team": team, "form": form, "current": current,
                                                    "versions": versions})


@login_required
def edit_settings(request, slug):
    team = _team_for(request, slug, lead=True)
    form = PulseSettingsForm(request.POST or None, instance=PulseSettings.for_team(team))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Pulse settings saved.")
        return redirect("pulse:settings", slug=team.slug)
    return render(request, "pulse/settings.html", {
        "team": team, "form": form, "member_count": team.memberships.filter(user__is_active=True).count(),
        "min_responses": results.min_responses(),
    })
