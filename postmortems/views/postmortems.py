"""Listing, reading and writing post-mortems."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from postmortems import permissions, publishing, trends
from postmortems.forms import (
    ActionItemFormSet, FactorFormSet, PostMortemFilterForm, PostMortemForm, TimelineFormSet,
)
from postmortems.guides import guide_for
from postmortems.models import ActionItem, ContributingFactor, PostMortem, Team
from postmortems.rendering import render_markdown
from postmortems.revisions import EditConflict, change_status, save_postmortem

PAGE_SIZE = 20
# Submit buttons of the editor and the status each one asks for.
EDITOR_ACTIONS = {
    "save": None,
    "draft": PostMortem.Status.DRAFT,
    "review": PostMortem.Status.REVIEW,
    "publish": PostMortem.Status.PUBLISHED,
}


def filter_postmortems(queryset, filters):
    """Apply the list page's cleaned filters to a queryset."""
    if isinstance(filters.get("team"), Team):
        queryset = queryset.filter(team=filters["team"])
    elif filters.get("team"):
        queryset = queryset.filter(team__in=filters["team"])
    for name in ["kind", "status", "severity"]:
        if filters.get(name):
            queryset = queryset.filter(**{name: filters[name]})
    if filters.get("theme"):
        # A subquery, not a join, so a post-mortem with two factors of a theme is listed once.
        queryset = queryset.filter(
            pk__in=ContributingFactor.objects.filter(theme=filters["theme"]).values("postmortem_id")
        )
    if filters.get("from") or filters.get("to"):
        queryset = trends.incidents_between(queryset, filters.get("from"), filters.get("to"))
    for term in (filters.get("q") or "").split():
        queryset = queryset.filter(
            Q(title__icontains=term) | Q(summary__icontains=term) | Q(impact__icontains=term)
            | Q(contributing_factors__icontains=term) | Q(lessons__icontains=term)
        )
    return queryset


@login_required
def postmortem_list(request):
    form = PostMortemFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    postmortems = filter_postmortems(PostMortem.objects.visible_to(request.user), filters)
    postmortems = postmortems.select_related("team").prefetch_related("authors").annotate(
        open_actions=Count("action_items", filter=~Q(action_items__status__in=ActionItem.CLOSED_STATUSES))
    ).order_by("-created_at", "-id")
    page = Paginator(postmortems, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "postmortems/postmortem_list.html", {
        "form": form,
        "page": page,
        "filtered": any(filters.values()) if filters else False,
        "can_create": bool(permissions.team_roles(request.user)),
    })


def _visible_or_404(request, pk):
    return get_object_or_404(PostMortem.objects.visible_to(request.user).select_related("team"), pk=pk)


def _editable_or_403(request, pk):
    postmortem = _visible_or_404(request, pk)
    if not permissions.can_edit(request.user, postmortem):
        raise PermissionDenied("Only the authors and the team's leads may edit this post-mortem.")
    return postmortem


@login_required
def postmortem_detail(request, pk):
    postmortem = get_object_or_404(
        PostMortem.objects.visible_to(request.user).select_related("team", "created_by").prefetch_related(
            "authors", "viewers", "timeline_events",
            Prefetch("factors", queryset=ContributingFactor.objects.select_related("theme")),
            Prefetch("action_items", queryset=ActionItem.objects.select_related("owner")),
        ),
        pk=pk,
    )
    guides = guide_for(postmortem.kind)
    sections = [(guides[name], getattr(postmortem, name)) for name in PostMortem.SECTIONS]
    can_edit = permissions.can_edit(request.user, postmortem)
    return render(request, "postmortems/postmortem_detail.html", {
        "postmortem": postmortem,
        "sections": sections,
        "revisions": postmortem.revisions.select_related("author")[:50],
        "can_edit": can_edit,
        "statuses": PostMortem.Status,
        # Authors and leads review wording; readers see only the document.
        "open_findings": publishing.open_findings(postmortem, publishing.texts_of(postmortem), {}) if can_edit else [],
        "acknowledgements": postmortem.acknowledgements.select_related("acknowledged_by") if can_edit else [],
    })


@login_required
def postmortem_create(request):
    kind = request.GET.get("kind") or request.POST.get("kind")
    if kind not in PostMortem.Kind.values:
        return render(request, "postmortems/postmortem_choose_kind.html", {"kinds": PostMortem.Kind})
    if not permissions.team_roles(request.user):
        raise PermissionDenied("Join a team before writing a post-mortem: ask a team lead or an administrator.")
    postmortem = PostMortem(kind=kind, created_by=request.user)
    return _editor(request, postmortem)


@login_required
def postmortem_edit(request, pk):
    return _editor(request, _editable_or_403(request, pk))


def _build_editor_forms(request, postmortem):
    data = request.POST if request.method == "POST" else None
    form = PostMortemForm(data, instance=postmortem, user=request.user, kind=postmortem.kind)
    if postmortem.pk is None:
        teams = list(form.fields["team"].queryset[:2])
        # The instance's empty values are already in `initial`, so set, don't setdefault.
        if len(teams) == 1 and not form.initial.get("team"):
            form.initial["team"] = teams[0].pk
        if not form.initial.get("authors"):
            form.initial["authors"] = [request.user.pk]
    team = postmortem.team if postmortem.team_id else None
    if data is not None and postmortem.pk is None and form.is_valid():
        team = form.cleaned_data["team"]
    formsets = [
        TimelineFormSet(data, instance=postmortem, prefix="timeline"),
        FactorFormSet(data, instance=postmortem, prefix="factors", form_kwargs={"team": team}),
        ActionItemFormSet(data, instance=postmortem, prefix="actions"),
    ]
    return form, formsets


def _editor(request, postmortem):
    form, formsets = _build_editor_forms(request, postmortem)
    conflict = publish_review = None
    reasons = publishing.reasons_from(request.POST)
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action not in EDITOR_ACTIONS:
            return HttpResponseBadRequest("Unknown action.")
        valid = form.is_valid() and all(fs.is_valid() for fs in formsets) and _ready_for(action, form)
        publish_review = _publish_review(action, postmortem, form, reasons) if valid else None
        if valid and not publish_review:
            expected = form.cleaned_data.get("version") or postmortem.version
            try:
                with transaction.atomic():
                    result = save_postmortem(
                        form=form, formsets=formsets, author=request.user,
                        expected_version=expected, new_status=EDITOR_ACTIONS[action],
                    )
                    publishing.record_acknowledgements(
                        result.postmortem, form.cleaned_data, reasons, author=request.user
                    )
            except EditConflict as error:
                conflict = _conflict_context(error.current, form)
            else:
                messages.success(request, _saved_message(result.postmortem, action))
                return redirect(result.postmortem)
    texts = form.cleaned_data if form.is_bound and hasattr(form, "cleaned_data") else publishing.texts_of(postmortem)
    return render(request, "postmortems/postmortem_form.html", {
        "postmortem": postmortem,
        "form": form,
        "timeline_formset": formsets[0],
        "factor_formset": formsets[1],
        "action_formset": formsets[2],
        "guides": guide_for(postmortem.kind),
        "conflict": conflict,
        "publish_review": publish_review,
        "reasons": reasons,
        "section_checks": _section_checks(form, texts),
    }, status=409 if conflict else 200)


def _publish_review(action, postmortem, form, reasons):
    """Findings that block publishing until rewritten or acknowledged, or None."""
    if action != "publish":
        return None
    # One reason box per key: the same wording twice in a section is one acknowledgement, and two boxes
    # sharing a name would make the browser send both, so a reason typed in the first would be lost.
    unacknowledged, seen = [], set()
    for item in publishing.open_findings(postmortem, form.cleaned_data, {}):
        if item.key not in seen:
            seen.add(item.key)
            unacknowledged.append(item)
    if all(reasons.get(item.key, "").strip() for item in unacknowledged):
        return None
    return unacknowledged


def _section_checks(form, texts):
    """{section: (findings, segments)} for the editor's first render, so it works without JavaScript."""
    checks = {}
    for name in publishing.SCANNED_FIELDS:
        text = (texts.get(name) if name in texts else form[name].value()) or ""
        findings = publishing.findings_in({name: text})
        checks[name] = {"findings": findings, "segments": publishing.highlight_segments(text, findings)}
    return checks


def _ready_for(action, form):
    """Publishing needs at least a summary; the form keeps everything typed."""
    if action == "publish" and not form.cleaned_data.get("summary", "").strip():
        form.add_error("summary", "Write a summary before publishing.")
        return False
    return True


def _conflict_context(current, form):
    """Both versions side by side, and the form re-armed to save over the newer one."""
    rows = []
    for name in ["title", *PostMortem.SECTIONS]:
        theirs = getattr(current, name)
        yours = form.cleaned_data.get(name, "")
        if (theirs or "") != (yours or ""):
            rows.append({"label": form.fields[name].label, "theirs": theirs, "yours": yours})
    data = form.data.copy()
    data["version"] = current.version
    form.data = data
    latest = current.revisions.select_related("author").first()
    return {"current": current, "rows": rows, "saved_by": latest.author if latest else None,
            "saved_at": latest.created_at if latest else current.updated_at}


def _saved_message(postmortem, action):
    if action == "publish":
        return f"“{postmortem.title}” is published."
    if action == "review":
        return f"“{postmortem.title}” is ready for review."
    return f"Saved “{postmortem.title}” (version {postmortem.version})."


@login_required
@require_POST
def postmortem_status(request, pk):
    postmortem = _editable_or_403(request, pk)
    status = request.POST.get("status")
    if status not in PostMortem.Status.values:
        return HttpResponseBadRequest("Unknown status.")
    if status == PostMortem.Status.PUBLISHED and not postmortem.summary.strip():
        messages.error(request, "Write a summary before publishing.")
        return redirect("postmortems:edit", pk=pk)
    if status == PostMortem.Status.PUBLISHED and publishing.open_findings(postmortem, publishing.texts_of(postmortem), {}):
        messages.warning(request, "Some wording may read as blame. Rewrite it or say why it stays, then publish from here.")
        return redirect("postmortems:edit", pk=pk)
    try:
        expected = int(request.POST.get("version", postmortem.version))
        change_status(postmortem, status=status, author=request.user, expected_version=expected)
    except ValueError:
        return HttpResponseBadRequest("Bad version.")
    except EditConflict:
        messages.error(request, "Someone saved a newer version meanwhile; review it and try again.")
        return redirect(postmortem)
    messages.success(request, f"Status changed to {postmortem.get_status_display()}.")
    return redirect(postmortem)


@login_required
@require_POST
def blame_check(request):
    """Live findings for one section while the author types (htmx)."""
    section = request.POST.get("section")
    if section not in publishing.SCANNED_FIELDS:
        return HttpResponseBadRequest("Unknown section.")
    text = request.POST.get(section, "")
    findings = publishing.findings_in({section: text})
    return render(request, "partials/blame_findings.html", {
        "section": section, "findings": findings, "segments": publishing.highlight_segments(text, findings),
    })


@login_required
@require_POST
def markdown_preview(request):
    """Rendered, sanitised Markdown for the editor's preview panes: the named section, or `text`."""
    section = request.POST.get("section")
    text = request.POST.get(section if section in PostMortem.SECTIONS else "text", "")
    return render(request, "partials/markdown_preview.html", {"html": render_markdown(text)})

