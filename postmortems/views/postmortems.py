"""Listing, reading and writing post-mortems."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from postmortems import action_quality, actions, permissions, publishing, search, theme_tallies
from postmortems.forms import (
    ActionItemFormSet, FactorFormSet, PostMortemFilterForm, PostMortemForm, TimelineFormSet,
    SECTION_MAX_LENGTH, section_too_long,
)
from postmortems.filters import filter_postmortems
from postmortems.guides import guide_for
from postmortems.pagination import CappedPaginator
from postmortems.models import ActionItem, ContributingFactor, PostMortem
from postmortems.rendering import render_markdown
from postmortems.revisions import EditConflict, StaleActionItems, change_status, save_postmortem

PAGE_SIZE = 20
TOO_LONG = f"This text is too long to check or preview: keep a section under {SECTION_MAX_LENGTH:,} characters."
# Submit buttons of the editor and the status each one asks for.
EDITOR_ACTIONS = {
    "save": None,
    "draft": PostMortem.Status.DRAFT,
    "review": PostMortem.Status.REVIEW,
    "publish": PostMortem.Status.PUBLISHED,
}


@login_required
def postmortem_list(request):
    form = PostMortemFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    matching = filter_postmortems(PostMortem.objects.visible_to(request.user), filters)
    postmortems = matching.select_related("team").prefetch_related("authors").annotate(
        open_actions=actions.open_item_count()
    ).order_by("-created_at", "-id")
    query = search.parse(filters.get("q"))
    postmortems = search.apply(postmortems, query)
    page = CappedPaginator(postmortems, PAGE_SIZE, count_from=search.apply(matching, query),
                           known_count=_theme_only_count(request.user, filters)).get_page(request.GET.get("page"))
    search.add_snippets(page.object_list, query)
    return render(request, "postmortems/postmortem_list.html", {
        "form": form,
        "page": page,
        "search_note": query.note,
        "filtered": any(filters.values()) if filters else False,
        "can_create": bool(permissions.team_roles(request.user)),
    })


def _theme_only_count(user, filters):
    """The list filtered by a theme and nothing else counts its matches from the theme tallies.

    Counting them directly reads every incident naming the theme (at 100,000 post-mortems,
    about 60,000 rows to find 10,000 the reader may open); other filters still count rows.
    """
    if not filters.get("theme") or any(value for name, value in filters.items() if name != "theme"):
        return None
    return theme_tallies.incidents_for(user, filters["theme"])


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


def _build_editor_forms(request, postmortem, data=None):
    if data is None:
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
    return form, _build_formsets(data, postmortem, team)


def _build_formsets(data, postmortem, team):
    return [
        TimelineFormSet(data, instance=postmortem, prefix="timeline"),
        FactorFormSet(data, instance=postmortem, prefix="factors", team=team),
        ActionItemFormSet(data, instance=postmortem, prefix="actions"),
    ]


def _posted_version(request):
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _editor(request, postmortem):
    publish_review = None
    reasons = publishing.reasons_from(request.POST)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action not in EDITOR_ACTIONS:
            return HttpResponseBadRequest("Unknown action.")
        # Check the version before anything else: rows the other person deleted would otherwise
        # fail validation (their ids are unknown now) and leave nothing to correct. A POST without
        # a version cannot show it was made against the latest one, so it is treated as stale too.
        if postmortem.pk is not None and _posted_version(request) != postmortem.version:
            return _conflict(request, postmortem, reasons)
    form, formsets = _build_editor_forms(request, postmortem)
    if request.method == "POST":
        form_valid = form.is_valid()
        formsets_valid = all([formset.is_valid() for formset in formsets])
        if form_valid:
            # Needs the authors and viewers being saved, so only once the document itself is valid.
            _check_owners_can_see(request, postmortem, form, formsets[2])
        valid = form_valid and formsets_valid and formsets[2].is_valid() and _ready_for(action, form)
        publish_review = _publish_review(action, postmortem, form, reasons, formsets[2]) if valid else None
        if valid and not publish_review:
            expected = postmortem.version if postmortem.pk else None
            try:
                with transaction.atomic():
                    result = save_postmortem(
                        form=form, formsets=formsets, author=request.user,
                        expected_version=expected, new_status=EDITOR_ACTIONS[action],
                    )
                    publishing.record_acknowledgements(
                        result.postmortem, form.cleaned_data, reasons, author=request.user
                    )
                    action_quality.record_acknowledgements(result.postmortem, formsets[2], reasons, author=request.user)
                    action_quality.stamp_wording(result.postmortem.action_items.all())
            except EditConflict as error:
                return _conflict(request, error.current, reasons)
            except StaleActionItems as error:
                # The save was rolled back; forget the version and status it set on the instance.
                postmortem.refresh_from_db()
                formsets[2] = _rearm_stale_items(request, postmortem, error.rows)
                status = 409
            else:
                messages.success(request, _saved_message(result.postmortem, action))
                return redirect(result.postmortem)
    return _render_editor(request, postmortem, form, formsets, publish_review=publish_review,
                          reasons=reasons, status=status)


def _render_editor(request, postmortem, form, formsets, *, conflict=None, publish_review=None, reasons=None,
                   status=200):
    texts = form.cleaned_data if form.is_bound and hasattr(form, "cleaned_data") else publishing.texts_of(postmortem)
    action_quality.attach_to_forms(formsets[2])
    return render(request, "postmortems/postmortem_form.html", {
        "postmortem": postmortem,
        "form": form,
        "timeline_formset": formsets[0],
        "factor_formset": formsets[1],
        "action_formset": formsets[2],
        "guides": guide_for(postmortem.kind),
        "conflict": conflict,
        "publish_review": publish_review,
        "reasons": reasons or {},
        "section_checks": _section_checks(form, texts, postmortem),
    }, status=status)


def _check_owners_can_see(request, postmortem, form, action_formset):
    """Owners of items on a people post-mortem must be able to read it once this save is stored."""
    readers = {person.pk for name in ["authors", "viewers"] for person in form.cleaned_data.get(name) or []}
    if postmortem.pk is None:
        readers.add(request.user.pk)  # whoever starts a post-mortem becomes an author
    team = form.cleaned_data.get("team") or (postmortem.team if postmortem.team_id else None)
    action_formset.check_owners_can_see(postmortem, team=team, readers=readers)


def _rearm_stale_items(request, postmortem, rows):
    """The action items again, each changed-meanwhile row showing the current values and saying why.

    The person's other edits (other rows, other fields of the row) are kept; a re-save then keeps
    the other person's change unless it is deliberately edited again.
    """
    data = request.POST.copy()
    messages_by_prefix = {}
    for row in rows:
        prefix = row.form.prefix
        current = row.current
        if current is None:
            messages_by_prefix[prefix] = ("This item was deleted after you opened the editor, so it cannot be "
                                          "saved. Add it again as a new item if it is still needed.")
            continue
        values = actions.tracked_values(status=current.status, due_date=current.due_date, owner_id=current.owner_id)
        for name in actions.changed_since(row.seen, current):
            data[f"{prefix}-{name}"] = values[name] if values[name] is not None else ""
        data[f"{prefix}-seen"] = actions.seen_token(current)
        data.pop(f"{prefix}-DELETE", None)
        messages_by_prefix[prefix] = actions.describe_changes_since(row.seen, current)
    formset = ActionItemFormSet(data, instance=postmortem, prefix="actions")
    formset.is_valid()
    for item_form in formset.forms:
        if item_form.prefix in messages_by_prefix:
            item_form.add_error(None, messages_by_prefix[item_form.prefix])
    return formset


# Conflicts ---------------------------------------------------------------------------------

def _posted_rows(data, prefix):
    """The rows of one formset as posted: [{field: [values]}] (at most the formset maximum)."""
    try:
        total = min(int(data.get(f"{prefix}-TOTAL_FORMS", 0)), 1000)
    except ValueError:
        total = 0
    rows = [{} for _ in range(max(total, 0))]
    for key in data:
        head, _, name = key.partition("-")[2].partition("-") if key.startswith(f"{prefix}-") else ("", "", "")
        if head.isdigit() and int(head) < len(rows) and name:
            rows[int(head)][name] = data.getlist(key)
    return rows


def _row_values(form):
    """What a browser would post for this (unbound) form's row."""
    row = {}
    for field in form:
        if field.name == "DELETE":
            continue
        value = field.value()
        row[field.name] = ["" if value is None else value]
    return row


def _rebuild_against_current(data, postmortem, team):
    """Re-key the posted formset rows onto the rows saved now; returns the rows that no longer exist.

    Rows the person posted that still exist keep what they typed (and, for action items, what the
    row showed, so a change made meanwhile is still caught); rows added meanwhile come with their
    saved values; new rows typed by the person stay new; rows deleted meanwhile leave the form and
    are listed on the conflict notice with what was typed in them.
    """
    removed = []
    for formset in _build_formsets(None, postmortem, team):
        prefix = formset.prefix
        current = {form.instance.pk: form for form in formset.initial_forms}
        kept, new = {}, []
        for row in _posted_rows(data, prefix):
            raw_id = (row.get("id") or [""])[0]
            if not raw_id:
                new.append(row)
            elif raw_id.isdigit() and int(raw_id) in current:
                kept[int(raw_id)] = row
            elif not (row.get("DELETE") or [""])[0]:
                text = " — ".join(str(value[0]) for name, value in row.items()
                                  if name in ("title", "description") and value and value[0])
                removed.append({"label": _FORMSET_LABELS[prefix], "text": text})
        for key in [key for key in data if key.startswith(f"{prefix}-")]:
            del data[key]
        rows = [kept.get(pk) or _row_values(form) for pk, form in current.items()] + new
        for index, row in enumerate(rows):
            for name, values in row.items():
                data.setlist(f"{prefix}-{index}-{name}", values)
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{prefix}-INITIAL_FORMS"] = str(len(current))
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
    return removed


_FORMSET_LABELS = {"timeline": "Timeline event", "factors": "Contributing factor", "actions": "Action item"}


def _conflict(request, current, reasons):
    """Someone saved since this edit began: both versions side by side, the typed text kept,
    the formsets rebuilt against the rows saved now, and the form re-armed to save over the newer version."""
    current = PostMortem.objects.select_related("team").get(pk=current.pk)
    # Validating the form writes the typed values onto its instance: keep the saved ones apart.
    theirs = {name: getattr(current, name) for name in ["title", *PostMortem.SECTIONS]}
    data = request.POST.copy()
    data["version"] = str(current.version)
    removed = _rebuild_against_current(data, current, current.team)
    form, formsets = _build_editor_forms(request, current, data=data)
    form.is_valid()
    for formset in formsets:
        formset.is_valid()
    context = _conflict_context(current, form, theirs)
    context["removed"] = removed
    return _render_editor(request, current, form, formsets, conflict=context, reasons=reasons, status=409)


def _publish_review(action, postmortem, form, reasons, action_formset):
    """Findings (blame wording, then weak action items) that block publishing until rewritten or acknowledged, or None."""
    if action != "publish":
        return None
    # One reason box per key: the same wording twice in a section is one acknowledgement, and two boxes
    # sharing a name would make the browser send both, so a reason typed in the first would be lost.
    unacknowledged, seen = [], set()
    for item in [*publishing.open_findings(postmortem, form.cleaned_data, {}),
                 *action_quality.open_review_items(postmortem, action_formset, {})]:
        if item.key not in seen:
            seen.add(item.key)
            unacknowledged.append(item)
    if all(reasons.get(item.key, "").strip() for item in unacknowledged):
        return None
    return unacknowledged


def _section_checks(form, texts, postmortem):
    """{section: (findings, segments)} for the editor's first render, so it works without JavaScript."""
    shown = {name: (texts.get(name) if name in texts else form[name].value()) or ""
             for name in publishing.SCANNED_FIELDS}
    # Text over the limit is refused by the form; checking it would only cost time.
    checked = {name: text for name, text in shown.items() if not section_too_long(text)}
    # One call for all sections: the vocabulary and the dismissed sentences are read once.
    found = publishing.findings_in(checked, postmortem=postmortem)
    checks = {}
    for name, text in shown.items():
        findings = [item for item in found if item.section == name]
        checks[name] = {"findings": findings, "segments": publishing.highlight_segments(text, findings)}
    return checks


def _ready_for(action, form):
    """Publishing needs at least a summary; the form keeps everything typed."""
    if action == "publish" and not form.cleaned_data.get("summary", "").strip():
        form.add_error("summary", "Write a summary before publishing.")
        return False
    return True


def _conflict_context(current, form, saved):
    """Both versions of each text that differs (`saved`: the newer version's), and who saved it."""
    rows = []
    for name in ["title", *PostMortem.SECTIONS]:
        theirs = saved[name]
        cleaned = getattr(form, "cleaned_data", {})
        yours = cleaned[name] if name in cleaned else form.data.get(name, "")
        if (theirs or "").replace("\r\n", "\n") != (yours or "").replace("\r\n", "\n"):
            rows.append({"label": form.fields[name].label, "theirs": theirs, "yours": yours})
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
    if status == PostMortem.Status.PUBLISHED and action_quality.open_review_items(postmortem, None, {}):
        messages.warning(request, "Some action items may be too weak to close. Rewrite them or say why they stay, "
                                  "then publish from here.")
        return redirect("postmortems:edit", pk=pk)
    try:
        # Without the version the page showed, the change cannot be shown to follow the latest one.
        if "version" not in request.POST:
            raise EditConflict(postmortem)
        expected = int(request.POST["version"])
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
    """Live findings for one section while the author types (htmx).

    For a saved post-mortem (`postmortem` posted) only its editors may ask, and the
    sentences its authors marked as not blame stay unflagged.
    """
    section = request.POST.get("section")
    if section not in publishing.SCANNED_FIELDS:
        return HttpResponseBadRequest("Unknown section.")
    text = request.POST.get(section, "")
    if section_too_long(text):
        return HttpResponseBadRequest(TOO_LONG)
    postmortem = _checked_postmortem(request)
    findings = publishing.findings_in({section: text}, postmortem=postmortem)
    return render(request, "partials/blame_findings.html", {
        "section": section, "findings": findings, "segments": publishing.highlight_segments(text, findings),
        "postmortem": postmortem,
    })


def _checked_postmortem(request):
    """The saved post-mortem a live check is for, or None for one not saved yet."""
    pk = request.POST.get("postmortem", "")
    if not pk:
        return None
    if not pk.isdigit():
        raise Http404("No such post-mortem.")
    return _editable_or_403(request, pk)


@login_required
@require_POST
def action_item_check(request):
    """Live quality findings for one action-item row while the author types (htmx / fetch)."""
    title = request.POST.get("title", "")[:200]
    description = request.POST.get("description", "")
    if section_too_long(description):
        return HttpResponseBadRequest(TOO_LONG)
    row = {"title": title, "description": description,
           "has_owner": bool(request.POST.get("owner")), "has_due_date": bool(request.POST.get("due_date"))}
    findings = action_quality.check_rows([row if title.strip() else None])[0]
    return render(request, "partials/action_item_findings.html", {"findings": findings})


@login_required
@require_POST
def markdown_preview(request):
    """Rendered, sanitised Markdown for the editor's preview panes: the named section, or `text`."""
    section = request.POST.get("section")
    text = request.POST.get(section if section in PostMortem.SECTIONS else "text", "")
    if section_too_long(text):
        return HttpResponseBadRequest(TOO_LONG)
    return render(request, "partials/markdown_preview.html", {"html": render_markdown(text)})

