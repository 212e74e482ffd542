"""Saving post-mortems with revisions, detecting concurrent edits, and restoring.

Every save is a compare-and-set on `PostMortem.version`: the UPDATE only matches
the version the writer started from, so of two people editing the same version
the second finds no row to update and gets a conflict instead of silently
overwriting the first. The row lock taken by that UPDATE serialises racing saves.

Action items can also change outside the editor (quick actions on the dashboard), which
does not bump the version, so each editor row carries what it was rendered with and the
save locks the items and refuses rows changed since (`StaleActionItems`). Status, due date
and owner changes go through the same recorded writers as the quick actions.
"""
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from postmortems import actions, search
from postmortems.models import ActionItem, ContributingFactor, PostMortem, Revision, Theme, TimelineEvent
from webhooks import events as webhook_events

# Fields a restore puts back; status and sharing stay as they are now.
RESTORABLE_FIELDS = ["title", "severity", *PostMortem.SECTIONS]
RESTORABLE_TIMES = ["started_at", "detected_at", "resolved_at"]


class EditConflict(Exception):
    """Someone else saved a newer version since this edit began."""

    def __init__(self, current):
        super().__init__(f"Post-mortem {current.pk} is at version {current.version}")
        self.current = current


@dataclass
class StaleRow:
    form: object
    current: ActionItem | None  # None: deleted since the editor was rendered
    seen: dict | None


class StaleActionItems(Exception):
    """Action items changed since the editor was rendered, and the save would undo those changes."""

    def __init__(self, rows):
        super().__init__(f"{len(rows)} action item(s) changed meanwhile")
        self.rows = rows


@dataclass
class SaveResult:
    postmortem: PostMortem
    revision: Revision


def changed_fields(before, after):
    """Names of the snapshot keys whose values differ (all of them for a first save)."""
    if before is None:
        return sorted(key for key, value in after.items() if value not in ("", None, []))
    return sorted(key for key in after if before.get(key) != after.get(key))


def _claim_version(postmortem, expected_version):
    if postmortem.pk is None:
        postmortem.version = 1
        return
    claimed = PostMortem.objects.filter(pk=postmortem.pk, version=expected_version).update(version=F("version") + 1)
    if not claimed:
        raise EditConflict(PostMortem.objects.get(pk=postmortem.pk))
    postmortem.version = expected_version + 1


def record_revision(postmortem, *, author, note=""):
    """Store the post-mortem's current state as the revision for its version."""
    previous = postmortem.revisions.order_by("-version").first()
    snapshot = postmortem.snapshot()
    return Revision.objects.create(
        postmortem=postmortem,
        version=postmortem.version,
        author=author,
        snapshot=snapshot,
        changed_fields=changed_fields(previous.snapshot if previous else None, snapshot),
        note=note,
    )


def save_postmortem(*, form, formsets, author, expected_version, new_status=None, note=""):
    """Save a validated document and its formsets as one new version, or raise EditConflict."""
    with transaction.atomic():
        postmortem = form.instance
        _claim_version(postmortem, expected_version)
        if new_status:
            apply_status(postmortem, new_status)
        if postmortem.status == PostMortem.Status.PUBLISHED:
            postmortem.measure_blame_language()
        is_new = postmortem.pk is None
        postmortem = form.save()
        if is_new and author:
            postmortem.authors.add(author)
        if is_new and postmortem.kind == PostMortem.Kind.PEOPLE:
            # The viewers the team's leads chose for every people incident (accounts team page);
            # authors can still remove them afterwards.
            postmortem.viewers.add(*postmortem.team.default_viewers.filter(is_active=True))
        for formset in formsets:
            formset.instance = postmortem
            if formset.model is ActionItem:
                _save_action_items(formset, postmortem, author=author, is_new=is_new)
            else:
                formset.save()
        search.update_search_vector([postmortem.pk])
        revision = record_revision(postmortem, author=author, note=note)
        if new_status == PostMortem.Status.PUBLISHED:  # webhook outbox, same transaction; once per post-mortem
            webhook_events.record(webhook_events.PUBLISHED, team=postmortem.team, postmortem=postmortem)
    return SaveResult(postmortem, revision)


def _posted_tracked(form):
    data = form.cleaned_data
    owner = data.get("owner")
    return actions.tracked_values(status=data.get("status"), due_date=data.get("due_date"),
                                  owner_id=owner.pk if owner else None)


def stale_rows(formset, locked):
    """Rows whose item changed since the editor was rendered and that this save would undo.

    A row is refused when a tracked field (status, due date, owner) changed since it was shown and
    the row would now delete the item or write a different value for that field.
    """
    stale = []
    for form in formset.initial_forms:
        if form.instance.pk is None:
            continue
        current = locked.get(form.instance.pk)
        seen = actions.parse_seen(form.cleaned_data.get("seen"))
        if current is None:
            stale.append(StaleRow(form, None, seen))
            continue
        changed = actions.changed_since(seen, current)
        if not changed:
            continue
        now = actions.tracked_values(status=current.status, due_date=current.due_date, owner_id=current.owner_id)
        posted = _posted_tracked(form)
        if formset._should_delete_form(form) or any(posted[name] != now[name] for name in changed):
            stale.append(StaleRow(form, current, seen))
    return stale


def _save_action_items(formset, postmortem, *, author, is_new):
    """Save the editor's action items, refusing rows changed meanwhile and recording every change."""
    if not is_new:
        # Lock the items so a quick action cannot slip in between this check and the save.
        locked = {item.pk: item for item in
                  ActionItem.objects.select_for_update(of=("self",)).filter(postmortem=postmortem)}
        stale = stale_rows(formset, locked)
        if stale:
            raise StaleActionItems(stale)
    formset.save(commit=False)
    for item in formset.deleted_objects:
        item.delete()
    for item, _ in formset.changed_objects:
        values = {name: getattr(item, name) for name in
                  ["title", "description", "priority", "status", "due_date", "owner"]}
        actions.apply_editor_changes(item, actor=author, values=values)
    for item in formset.new_objects:
        item.save()
        webhook_events.record(webhook_events.ITEM_CREATED, team=postmortem.team, item=item)  # webhook outbox


def apply_status(postmortem, status):
    """Move through draft → review → published; publishing stamps the time once."""
    postmortem.status = status
    if status == PostMortem.Status.PUBLISHED and postmortem.published_at is None:
        postmortem.published_at = timezone.now()


def change_status(postmortem, *, status, author, expected_version):
    """A status change alone (from the detail page) is a version like any other save."""
    with transaction.atomic():
        _claim_version(postmortem, expected_version)
        apply_status(postmortem, status)
        if status == PostMortem.Status.PUBLISHED:
            postmortem.measure_blame_language()
        postmortem.save(update_fields=["status", "published_at", "version", "updated_at", "blame_counts", "word_count"])
        label = PostMortem.Status(status).label
        if status == PostMortem.Status.PUBLISHED:  # webhook outbox, same transaction; once per post-mortem
            webhook_events.record(webhook_events.PUBLISHED, team=postmortem.team, postmortem=postmortem)
        return record_revision(postmortem, author=author, note=f"Status changed to {label}")


def restore_revision(revision, *, author, expected_version):
    """Bring back an earlier version's text, timeline and factors as a new version.

    `expected_version` is the version the person saw; if someone saved since, EditConflict.
    """
    postmortem = revision.postmortem
    data = revision.snapshot
    with transaction.atomic():
        _claim_version(postmortem, expected_version)
        for name in RESTORABLE_FIELDS:
            if name in data:
                setattr(postmortem, name, data[name])
        for name in RESTORABLE_TIMES:
            value = data.get(name)
            setattr(postmortem, name, parse_datetime(value) if value else None)
        if postmortem.status == PostMortem.Status.PUBLISHED:
            postmortem.measure_blame_language()
        postmortem.save()
        postmortem.timeline_events.all().delete()
        TimelineEvent.objects.bulk_create(
            TimelineEvent(postmortem=postmortem, occurred_at=parse_datetime(event["occurred_at"]),
                          description=event["description"])
            for event in data.get("timeline", [])
        )
        postmortem.factors.all().delete()
        existing_themes = set(Theme.objects.filter(
            pk__in=[factor["theme_id"] for factor in data.get("factors", [])]
        ).values_list("pk", flat=True))
        ContributingFactor.objects.bulk_create(
            ContributingFactor(postmortem=postmortem, theme_id=factor["theme_id"], description=factor["description"])
            for factor in data.get("factors", []) if factor["theme_id"] in existing_themes
        )
        search.update_search_vector([postmortem.pk])
        return record_revision(postmortem, author=author, note=f"Restored version {revision.version}")
