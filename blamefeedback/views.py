"""Feedback on the blame check from the editor, the leads' review of it, and the vocabulary page."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from postmortems import permissions, publishing
from postmortems.forms import section_too_long
from postmortems.guides import guide_for
from postmortems.models import PostMortem

from . import feedback, vocabulary
from .forms import DUPLICATE_TERM, MissedBlameForm, ReviewFilterForm, VocabularyTermForm
from .models import BlameFeedback, VocabularyTerm

PAGE_SIZE = 25
NOTED = "Thanks — noted for the team's leads."
CHANGED = "That sentence has changed since it was checked, so nothing was noted: check it again and retry."
KEPT = "A lead has already reviewed this sentence and kept the finding."
NOT_NOTED = "Nothing was noted yet: see the sentence field."


def _is_htmx(request):
    return request.headers.get("HX-Request") == "true"


def _postmortem_for_feedback(request):
    """The post-mortem named in the POST: 404 unless this person may see it, 403 unless they may edit it."""
    pk = request.POST.get("postmortem", "")
    if not pk.isdigit():
        raise Http404("No such post-mortem.")
    postmortem = get_object_or_404(PostMortem.objects.visible_to(request.user), pk=pk)
    if not permissions.can_give_feedback(request.user, postmortem):
        raise PermissionDenied("Only the authors and the team's leads may give feedback on this post-mortem.")
    return postmortem


@login_required
@require_POST
def not_blame(request):
    """An author says a flagged sentence is not blame here: set it aside, and tell the team's leads."""
    postmortem = _postmortem_for_feedback(request)
    # "section:sentence key:category", from the button the author pressed.
    section, _, rest = request.POST.get("not_blame", "").partition(":")
    key, _, category = rest.partition(":")
    if section not in publishing.SCANNED_FIELDS or not key:
        return HttpResponseBadRequest("Unknown finding.")
    # htmx sends the section as typed; a plain form (no JavaScript) can only point at the saved text.
    text = request.POST.get(section)
    if text is None:
        text = getattr(postmortem, section)
    if section_too_long(text):
        return HttpResponseBadRequest("This text is too long to check.")
    note = next((note for note in request.POST.getlist(f"note-{section}-{key}") if note.strip()), "")
    items = publishing.findings_in({section: text}, postmortem=postmortem)
    dismissal = feedback.dismiss_sentence(items, postmortem=postmortem, key=key, category=category, note=note,
                                          user=request.user)
    message = CHANGED if dismissal.feedback is None else KEPT if dismissal.kept_by_lead else NOTED
    if not _is_htmx(request):
        (messages.success if message == NOTED else messages.warning)(request, message)
        return redirect("postmortems:edit", pk=postmortem.pk)
    return render(request, "partials/not_blame_response.html", {
        "postmortem": postmortem, "section": section, "status_message": message,
        "findings": dismissal.remaining, "segments": publishing.highlight_segments(text, dismissal.remaining),
        # The publish review's items that no longer need a reason.
        "cleared_keys": dismissal.cleared_keys if request.POST.get("review") else (),
    })


@login_required
@require_POST
def is_blame(request):
    """Someone says a sentence blames someone though the check missed it: tell the team's leads."""
    postmortem = _postmortem_for_feedback(request)
    section = request.POST.get("is_blame", "")
    if section not in publishing.SCANNED_FIELDS:
        return HttpResponseBadRequest("Unknown section.")
    form = MissedBlameForm(request.POST, section=section)
    noted = form.is_valid()
    if noted:
        feedback.record_is_blame(postmortem=postmortem, section=section, user=request.user, **form.cleaned_data)
    if not _is_htmx(request):
        if noted:
            messages.success(request, NOTED)
        else:
            messages.error(request, " ".join(["Nothing was noted:", *(e for errors in form.errors.values() for e in errors)]))
        return redirect("postmortems:edit", pk=postmortem.pk)
    return render(request, "partials/missed_blame_fields.html", {
        "form": MissedBlameForm(section=section) if noted else form, "section": section,
        "status_message": NOTED if noted else NOT_NOTED,
    })


@login_required
def review(request):
    """Leads' list of feedback on their teams' post-mortems, pending first, to accept or reject."""
    if not permissions.can_review_feedback(request.user):
        raise PermissionDenied("Only team leads review feedback on the blame check.")
    filters = ReviewFilterForm(request.GET or None)
    items = filters.filter(BlameFeedback.objects.reviewable_by(request.user)).select_related(
        "postmortem", "created_by", "reviewed_by")
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    for item in page:
        item.section_label = _section_label(item.postmortem, item.section)
    return render(request, "blamefeedback/feedback_review.html", {
        "filters": filters, "page": page, "statuses": BlameFeedback.Status,
    })


def _section_label(postmortem, section):
    if section == "title":
        return "Title"
    guide = guide_for(postmortem.kind).get(section)
    return guide.label if guide else section


@login_required
@require_POST
def decide(request, pk):
    """A lead of the post-mortem's team accepts or rejects one piece of feedback."""
    item = get_object_or_404(BlameFeedback.objects.visible_to(request.user).select_related("postmortem"), pk=pk)
    if not permissions.can_review_feedback_on(request.user, item.postmortem):
        raise PermissionDenied("Only the leads of the post-mortem's team review feedback on it.")
    decision = request.POST.get("decision")
    if decision not in (BlameFeedback.Status.ACCEPTED, BlameFeedback.Status.REJECTED):
        return HttpResponseBadRequest("Unknown decision.")
    item.decide(decision, by=request.user)
    messages.success(request, f"{item.get_status_display()}: “{item.sentence[:80]}”.")
    return redirect(_review_page_to_return_to(request))


def _review_page_to_return_to(request):
    """The filtered review page the decision was made on, never another site."""
    page = request.POST.get("next", "")
    review_url = reverse("blamefeedback:review")
    if page.startswith(review_url) and url_has_allowed_host_and_scheme(page, allowed_hosts={request.get_host()}):
        return page
    return review_url


@login_required
def vocabulary_page(request):
    """Everyone reads the organisation's vocabulary; leads add terms to it."""
    can_edit = permissions.can_edit_vocabulary(request.user)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied("Only team leads may change the vocabulary.")
    form = VocabularyTermForm(request.POST or None) if can_edit else None
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                term = vocabulary.add_term(user=request.user, **form.cleaned_data)
        except IntegrityError:  # the same term, added by someone else meanwhile
            form.add_error("term", DUPLICATE_TERM.format(term=form.cleaned_data["term"]))
        else:
            messages.success(request, f"Added “{term.term}”: the next check uses it.")
            return redirect("blamefeedback:vocabulary")
    return render(request, "blamefeedback/vocabulary.html", {
        "terms": VocabularyTerm.objects.select_related("created_by"), "form": form, "can_edit": can_edit,
    })


@login_required
@require_POST
def vocabulary_delete(request, pk):
    if not permissions.can_edit_vocabulary(request.user):
        raise PermissionDenied("Only team leads may change the vocabulary.")
    term = get_object_or_404(VocabularyTerm, pk=pk)
    term.delete()
    messages.success(request, f"Removed “{term.term}”: the next check no longer uses it.")
    return redirect("blamefeedback:vocabulary")
