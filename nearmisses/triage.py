"""Triage by a team's leads: acknowledge with themes, dismiss with a reason, or promote to a draft.

Every change is a compare-and-set on the report's status: the UPDATE matches only a report
that is not promoted yet, so of two leads (or one lead's two tabs) acting at once, the one
whose UPDATE comes second finds no row and is told, instead of overwriting a promotion.
"""
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from nearmisses.models import NearMiss
from postmortems.forms import ActionItemFormSet, FactorFormSet, PostMortemForm, TimelineFormSet
from postmortems.models import PostMortem, Theme
from postmortems.revisions import save_postmortem

PROMOTED = NearMiss.Status.PROMOTED
# The note on the draft's first revision. It names no one: the revision's author is the lead.
PROMOTION_NOTE = "Started from a near-miss report"


class AlreadyPromoted(Exception):
    """The report was promoted meanwhile (another tab, another lead); nothing was changed."""


def _claim(near_miss, **changes):
    """Update the report unless it is promoted already; raise AlreadyPromoted if it is."""
    claimed = NearMiss.objects.filter(pk=near_miss.pk).exclude(status=PROMOTED).update(**changes)
    if not claimed:
        raise AlreadyPromoted(near_miss.pk)
    for name, value in changes.items():
        setattr(near_miss, name, value)


def acknowledge(near_miss, *, themes, by, now=None):
    """Mark the report seen and tag it with themes from the shared taxonomy (they count in trends)."""
    with transaction.atomic():
        _claim(near_miss, status=NearMiss.Status.ACKNOWLEDGED, dismiss_reason="", triaged_by=by,
               triaged_at=now or timezone.now())
        near_miss.themes.set(themes)
    return near_miss


def dismiss(near_miss, *, reason, by, now=None):
    """Close the report without action, saying why (the reporter sees the reason on their report)."""
    with transaction.atomic():
        _claim(near_miss, status=NearMiss.Status.DISMISSED, dismiss_reason=reason, triaged_by=by,
               triaged_at=now or timezone.now())
    return near_miss


def promote(near_miss, *, by, now=None):
    """Start a draft post-mortem from the report, authored by the promoting lead; returns the draft.

    The draft goes through the editor's own save (`save_postmortem`), so a people near miss becomes
    a people incident with the team's default viewers, like any other. Nothing about the reporter
    is copied: the draft, its revision and its authors name only the lead.
    """
    with transaction.atomic():
        form, formsets = draft_forms(near_miss, by=by)
        result = save_postmortem(form=form, formsets=formsets, author=by, expected_version=None, note=PROMOTION_NOTE)
        # After the draft exists, because the constraint wants promoted_to set with the status. A lost
        # race raises here and rolls the draft back with it.
        _claim(near_miss, status=PROMOTED, promoted_to=result.postmortem, dismiss_reason="", triaged_by=by,
               triaged_at=now or timezone.now())
    return result.postmortem


def draft_text(near_miss):
    """The draft's title and sections, from the report's three answers."""
    day = near_miss.reported_on
    return {
        "title": f"Near miss: {near_miss.title}"[:200],
        "summary": near_miss.what_happened,
        "impact": (f"Nothing broke: this was a near miss, reported on {day.day} {day:%B %Y}. "
                   f"What stopped it:\n\n{near_miss.what_stopped_it}"),
        "contributing_factors": near_miss.likelier_next_time,
    }


def _draft_themes(near_miss):
    """The report's themes the editor would offer for its team (retired ones would fail validation)."""
    return [theme for theme in near_miss.themes.all()
            if theme.is_active and theme.team_id in (None, near_miss.team_id)]


def draft_forms(near_miss, *, by):
    """The editor's form and formsets, bound as if the lead had typed the report in: validated here."""
    themes = _draft_themes(near_miss)
    data = {
        **draft_text(near_miss),
        "team": near_miss.team_id,
        "severity": PostMortem.Severity.SEV4,
        "authors": [by.pk],
        **_management("timeline", 0), **_management("actions", 0), **_management("factors", len(themes)),
    }
    for index, theme in enumerate(themes):
        data[f"factors-{index}-theme"] = theme.pk
        data[f"factors-{index}-description"] = f"Tagged “{theme.name}” when the near miss was triaged."
    postmortem = PostMortem(kind=near_miss.kind, created_by=by)
    form = PostMortemForm(data, instance=postmortem, user=by, kind=near_miss.kind)
    formsets = [
        TimelineFormSet(data, instance=postmortem, prefix="timeline"),
        FactorFormSet(data, instance=postmortem, prefix="factors", team=near_miss.team),
        ActionItemFormSet(data, instance=postmortem, prefix="actions"),
    ]
    if not form.is_valid() or not all([formset.is_valid() for formset in formsets]):
        errors = [form.errors, *[formset.errors for formset in formsets]]
        raise ValueError(f"The draft from near miss {near_miss.pk} did not validate: {errors}")
    return form, formsets


def _management(prefix, total):
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}


def theme_choices(near_miss):
    """Themes a lead may tag this report with: active shared themes and the team's own."""
    return Theme.objects.filter(Q(team__isnull=True) | Q(team_id=near_miss.team_id), is_active=True).order_by("name")
