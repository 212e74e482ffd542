"""Proposing, changing and cancelling a post-mortem's review meeting (see meetings.scheduling)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from meetings import scheduling
from meetings.forms import MeetingForm
from meetings.models import ReviewMeeting
from postmortems.models import PostMortem

NOT_ALLOWED = "Only the post-mortem's authors and the team's leads schedule its review meeting."


def _schedulable_or_404(request, pk):
    """The post-mortem if this person may see it (else 404) and schedule its review (else 403)."""
    postmortem = get_object_or_404(PostMortem.objects.visible_to(request.user).select_related("team"), pk=pk)
    if not scheduling.can_schedule(request.user, postmortem):
        raise PermissionDenied(NOT_ALLOWED)
    return postmortem


def _active_meeting_or_404(request, pk):
    meeting = get_object_or_404(
        ReviewMeeting.objects.active().select_related("postmortem__team")
        .filter(postmortem__in=PostMortem.objects.visible_to(request.user)),
        pk=pk,
    )
    if not scheduling.can_schedule(request.user, meeting.postmortem):
        raise PermissionDenied(NOT_ALLOWED)
    return meeting


@login_required
def meeting_propose(request, pk):
    postmortem = _schedulable_or_404(request, pk)
    existing = ReviewMeeting.objects.active().filter(postmortem=postmortem).first()
    if existing is not None:
        return redirect("meetings:update", existing.pk)
    form = MeetingForm(request.POST or None, postmortem=postmortem,
                       initial={"invitees": list(postmortem.authors.values_list("pk", flat=True))})
    if request.method == "POST" and form.is_valid():
        try:
            scheduling.propose(postmortem=postmortem, organiser=request.user, **form.cleaned_data)
        except scheduling.MeetingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Review meeting proposed: the invitations are on their way.")
            return redirect(postmortem)
    return render(request, "meetings/meeting_form.html", {"form": form, "postmortem": postmortem, "meeting": None})


@login_required
def meeting_update(request, pk):
    meeting = _active_meeting_or_404(request, pk)
    postmortem = meeting.postmortem
    initial = {
        "starts_at": meeting.starts_at, "duration_minutes": meeting.duration_minutes, "location": meeting.location,
        "invitees": list(meeting.invitees.values_list("pk", flat=True)),
    }
    form = MeetingForm(request.POST or None, postmortem=postmortem, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changed = scheduling.update(meeting=meeting, **form.cleaned_data)
        except scheduling.MeetingError as error:
            form.add_error(None, str(error))
        else:
            if changed:
                messages.success(request, "Review meeting updated: the invitees' calendars will follow.")
            else:
                messages.info(request, "Nothing changed, so nobody was emailed.")
            return redirect(postmortem)
    return render(request, "meetings/meeting_form.html", {"form": form, "postmortem": postmortem, "meeting": meeting})


@require_POST
@login_required
def meeting_cancel(request, pk):
    meeting = _active_meeting_or_404(request, pk)
    try:
        scheduling.cancel(meeting=meeting)
    except scheduling.MeetingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Review meeting cancelled: the invitees are told.")
    return redirect(meeting.postmortem)
