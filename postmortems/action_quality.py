"""The action-item quality check in the editor and at publish time.

The wording check itself lives in postmortems.blame.action_items (plain Python); this
module feeds it the editor's rows, keys its findings so an author's reason for keeping
an item survives edits elsewhere (as for blame findings), and stamps each saved item's
verdict for the trends.
"""
import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, CharField, Value, When

from postmortems.blame import action_items
from postmortems.models import ActionItem, BlameAcknowledgement

SECTION = "actions"
CATEGORY_PREFIX = "action_"


@dataclass(frozen=True)
class ActionReviewItem:
    """One weakness of one action item, shaped like a blame SectionFinding for the publish review."""

    title: str
    finding: action_items.ActionFinding
    section: str = SECTION

    @property
    def key(self):
        raw = f"{SECTION}\x1f{self.category}\x1f{normalise(self.title)}"
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    @property
    def category(self):
        return CATEGORY_PREFIX + self.finding.category

    @property
    def category_label(self):
        return self.finding.label

    @property
    def text(self):
        return self.title


def normalise(title):
    return " ".join(title.lower().split())[:300]


def row_values(form):
    """The item a formset row describes, as the checker reads it; None for empty or deleted rows."""
    data = form.cleaned_data if hasattr(form, "cleaned_data") else {}
    if not data or data.get("DELETE") or not (data.get("title") or "").strip():
        return None
    return {"title": data["title"], "description": data.get("description", ""),
            "has_owner": bool(data.get("owner")), "has_due_date": bool(data.get("due_date"))}


def check_rows(rows):
    """ActionFinding lists for rows (dicts or None), None staying an empty list."""
    present = [row for row in rows if row]
    results = iter(action_items.check_items(present))
    return [next(results) if row else [] for row in rows]


def attach_to_forms(formset):
    """Set form.quality_findings on each bound, valid row of the editor's action formset (for rendering)."""
    forms = list(formset.forms)
    if formset.is_bound:
        rows = [row_values(form) if form.is_valid() else None for form in forms]
    else:
        rows = [_instance_values(form.instance) if form.instance.pk else None for form in forms]
    for form, findings in zip(forms, check_rows(rows)):
        form.quality_findings = findings


def _instance_values(item):
    return {"title": item.title, "description": item.description,
            "has_owner": item.owner_id is not None, "has_due_date": item.due_date is not None}


def review_items(formset):
    """Every weakness of every row, for the publish review."""
    rows = [row_values(form) for form in formset.forms]
    return [ActionReviewItem(row["title"], finding)
            for row, findings in zip(rows, check_rows(rows)) if row for finding in findings]


def saved_review_items(postmortem):
    """Every weakness of the post-mortem's saved items (publishing from the detail page)."""
    items = list(postmortem.action_items.all())
    rows = [_instance_values(item) for item in items]
    return [ActionReviewItem(row["title"], finding) for row, findings in zip(rows, check_rows(rows)) for finding in findings]


def acknowledged_keys(postmortem):
    if postmortem.pk is None:
        return set()
    return {
        ActionReviewItem(ack.phrase, action_items.ActionFinding(ack.category[len(CATEGORY_PREFIX):], "", "")).key
        for ack in postmortem.acknowledgements.filter(section=SECTION)
    }


def open_review_items(postmortem, formset, reasons):
    """Weaknesses neither acknowledged before nor given a reason now; formset None reads the saved items."""
    done = acknowledged_keys(postmortem) | {key for key, reason in reasons.items() if reason.strip()}
    items = saved_review_items(postmortem) if formset is None else review_items(formset)
    return [item for item in items if item.key not in done]


def record_acknowledgements(postmortem, formset, reasons, *, author):
    with transaction.atomic():
        for item in review_items(formset):
            reason = reasons.get(item.key, "").strip()
            if reason:
                BlameAcknowledgement.objects.get_or_create(
                    postmortem=postmortem, section=SECTION, category=item.category, phrase=normalise(item.title),
                    defaults={"reason": reason[:2000], "acknowledged_by": author},
                )


def stamp_wording(items):
    """Store the wording verdict on each saved ActionItem in one UPDATE, however many items changed."""
    items = [item for item in items if item.pk]
    changed = {}
    for item, found in zip(items, action_items.wording_findings([_text(item) for item in items])):
        changed[item.pk] = item.wording_issues = ",".join(found)
    if changed:
        ActionItem.objects.filter(pk__in=list(changed)).update(wording_issues=Case(
            *(When(pk=pk, then=Value(issues)) for pk, issues in changed.items()), output_field=CharField()))


def _text(item):
    return f"{item.title}. {item.description}" if item.description.strip() else item.title
