"""A post-mortem's history: view any revision, compare it, restore it."""
import difflib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from postmortems import permissions
from postmortems.guides import guide_for
from postmortems.models import PostMortem
from postmortems.revisions import EditConflict, restore_revision


def _revision_or_404(request, pk, version):
    postmortem = get_object_or_404(PostMortem.objects.visible_to(request.user).select_related("team"), pk=pk)
    revision = get_object_or_404(postmortem.revisions.select_related("author"), version=version)
    return postmortem, revision


def text_diff(before, after):
    """Line diff of two texts as (marker, line) pairs: '+' added, '-' removed, ' ' kept."""
    lines = difflib.ndiff((before or "").splitlines(), (after or "").splitlines())
    return [(line[0], line[2:]) for line in lines if not line.startswith("?")]


@login_required
def revision_detail(request, pk, version):
    postmortem, revision = _revision_or_404(request, pk, version)
    previous = postmortem.revisions.filter(version__lt=version).order_by("-version").first()
    before = previous.snapshot if previous else {}
    guides = guide_for(postmortem.kind)
    labels = {"title": "Title", **{name: guide.label for name, guide in guides.items()}}
    sections = [(labels[name], revision.snapshot.get(name, "")) for name in PostMortem.SECTIONS]
    # Stored as ISO strings in UTC; shown as times in the reader's zone, like the post-mortem's page.
    timeline = [
        {"occurred_at": parse_datetime(event.get("occurred_at") or ""), "description": event.get("description", "")}
        for event in revision.snapshot.get("timeline", [])
    ]
    diffs = [
        (labels[name], text_diff(before.get(name, ""), revision.snapshot.get(name, "")))
        for name in ["title", *PostMortem.SECTIONS]
        if name in revision.changed_fields
    ]
    return render(request, "postmortems/revision_detail.html", {
        "postmortem": postmortem,
        "revision": revision,
        "previous": previous,
        "sections": sections,
        "timeline": timeline,
        "diffs": diffs,
        "can_restore": permissions.can_edit(request.user, postmortem) and version != postmortem.version,
    })


@login_required
@require_POST
def revision_restore(request, pk, version):
    postmortem, revision = _revision_or_404(request, pk, version)
    if not permissions.can_edit(request.user, postmortem):
        raise PermissionDenied("Only the authors and the team's leads may restore a revision.")
    try:
        seen = int(request.POST.get("version", ""))
    except ValueError:
        seen = None
    try:
        if seen != postmortem.version:
            raise EditConflict(postmortem)
        restored = restore_revision(revision, author=request.user, expected_version=seen)
    except EditConflict:
        messages.error(request, "Someone saved a newer version while you were looking at this one, so nothing "
                                "was restored. Review the latest version, then restore again if you still want to.")
        return redirect(revision)
    messages.success(request, f"Restored version {version} as version {restored.version}.")
    return redirect(postmortem)
