"""Reporting near misses, reading them, and triage by the team's leads.

A report someone may not read is a 404 on every URL, so its existence stays private.
"""
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from nearmisses import reports, trends, triage
from nearmisses.forms import COUNTED, AcknowledgeForm, DismissForm, FilterForm, ReportForm
from nearmisses.models import NearMiss
from postmortems import permissions
from postmortems.models import PostMortem

PAGE_SIZE = 20


def log_without_user(view):
    """The request log line of this view carries no user id (see config/requestlog.py).

    Used on the report form and its thank-you page whatever the reporter chooses, so the log
    does not even say who opened the form.
    """
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        request.log_without_user = True
        return view(request, *args, **kwargs)

    return wrapped


@log_without_user
@login_required
def report(request):
    if not permissions.can_report_near_miss(request.user):
        return render(request, "nearmisses/report_form.html", {"form": None})
    form = ReportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        near_miss = reports.submit_report(reporter=request.user, **form.cleaned_data)
        if near_miss.anonymous:
            # No id in the address and no message in the session: nothing to tie the report to this visit.
            return redirect("nearmisses:thanks")
        messages.success(request, "Thank you: your near miss is with the team's leads.")
        return redirect(near_miss)
    return render(request, "nearmisses/report_form.html", {"form": form}, status=400 if form.is_bound else 200)


@log_without_user
@login_required
def thanks(request):
    return render(request, "nearmisses/thanks.html")


@login_required
def my_reports(request):
    """The reports this person sent under their name (anonymous ones are linked to nobody)."""
    mine = NearMiss.objects.filter(reporter=request.user, anonymous=False).select_related("team")
    page = Paginator(mine.order_by("-reported_at", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "nearmisses/my_reports.html", {
        "page": page, "leads_a_team": bool(permissions.lead_team_ids(request.user)),
    })


def filter_near_misses(queryset, filters):
    """Apply the list's cleaned filters."""
    if filters.get("status") == COUNTED:
        queryset = queryset.filter(status__in=trends.COUNTED)
    elif filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    for name in ["kind", "team"]:
        if filters.get(name):
            queryset = queryset.filter(**{name: filters[name]})
    if filters.get("theme"):
        # A subquery, not a join, so a report is listed once.
        queryset = queryset.filter(pk__in=NearMiss.themes.through.objects.filter(
            theme=filters["theme"]).values("nearmiss_id"))
    if filters.get("since"):
        queryset = queryset.filter(reported_on__gte=filters["since"])
    if filters.get("until"):
        queryset = queryset.filter(reported_on__lte=filters["until"])
    return queryset


@login_required
def near_miss_list(request):
    """The reports this person may read; the team's leads triage from here."""
    form = FilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    near_misses = filter_near_misses(NearMiss.objects.visible_to(request.user), filters)
    near_misses = near_misses.select_related("team").prefetch_related("themes").order_by("-reported_on", "id")
    page = Paginator(near_misses, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "nearmisses/near_miss_list.html", {
        "form": form,
        "page": page,
        "filtered": any(filters.values()) if filters else False,
        "leads_a_team": bool(permissions.lead_team_ids(request.user)),
    })


def _visible_or_404(request, pk):
    return get_object_or_404(
        NearMiss.objects.visible_to(request.user).select_related("team", "reporter", "triaged_by", "promoted_to"),
        pk=pk,
    )


def _triageable_or_403(request, pk):
    near_miss = _visible_or_404(request, pk)
    if not permissions.can_triage_near_miss(request.user, near_miss):
        raise PermissionDenied("Only the team's leads triage its near misses.")
    return near_miss


@login_required
def near_miss_detail(request, pk, *, acknowledge_form=None, dismiss_form=None, status=200):
    near_miss = _visible_or_404(request, pk)
    can_triage = permissions.can_triage_near_miss(request.user, near_miss)
    promoted_to = near_miss.promoted_to
    context = {
        "near_miss": near_miss,
        "themes": near_miss.themes.order_by("name"),
        "can_triage": can_triage and near_miss.is_open,
        "is_lead": can_triage,
        # The draft is linked only for those who may open it (a people incident is restricted).
        "draft": promoted_to if promoted_to and PostMortem.objects.visible_to(request.user).filter(
            pk=promoted_to.pk).exists() else None,
    }
    if can_triage and near_miss.is_open:
        themes = triage.theme_choices(near_miss)
        context["acknowledge_form"] = acknowledge_form or AcknowledgeForm(
            themes=themes, initial={"themes": list(near_miss.themes.values_list("pk", flat=True))},
        )
        context["dismiss_form"] = dismiss_form or DismissForm(initial={"reason": near_miss.dismiss_reason})
    return render(request, "nearmisses/near_miss_detail.html", context, status=status)


def _already_promoted(request, near_miss):
    messages.error(request, "This near miss was promoted to a post-mortem meanwhile; nothing else was changed.")
    return redirect("nearmisses:detail", pk=near_miss.pk)


@login_required
@require_POST
def near_miss_acknowledge(request, pk):
    near_miss = _triageable_or_403(request, pk)
    form = AcknowledgeForm(request.POST, themes=triage.theme_choices(near_miss))
    if not form.is_valid():
        return near_miss_detail(request, pk, acknowledge_form=form, status=400)
    try:
        triage.acknowledge(near_miss, themes=form.cleaned_data["themes"], by=request.user)
    except triage.AlreadyPromoted:
        return _already_promoted(request, near_miss)
    messages.success(request, "Acknowledged. It now counts in the trends under its themes.")
    return redirect("nearmisses:list")


@login_required
@require_POST
def near_miss_dismiss(request, pk):
    near_miss = _triageable_or_403(request, pk)
    form = DismissForm(request.POST)
    if not form.is_valid():
        return near_miss_detail(request, pk, dismiss_form=form, status=400)
    try:
        triage.dismiss(near_miss, reason=form.cleaned_data["reason"], by=request.user)
    except triage.AlreadyPromoted:
        return _already_promoted(request, near_miss)
    messages.success(request, "Dismissed.")
    return redirect("nearmisses:list")


@login_required
@require_POST
def near_miss_promote(request, pk):
    near_miss = _triageable_or_403(request, pk)
    try:
        draft = triage.promote(near_miss, by=request.user)
    except triage.AlreadyPromoted:
        return _already_promoted(request, near_miss)
    messages.success(request, "A draft post-mortem is started from the near miss. You are its author.")
    return redirect("postmortems:edit", pk=draft.pk)
