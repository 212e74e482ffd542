"""Action-item follow-through: recording changes, and the dashboard's selectors and figures.

Writers (`mark_done`, `change_due_date`, `reassign`) change one field and record
an `ActionItemChange` in the same transaction, so the history cannot miss a change.
Readers take a queryset (already limited by `ActionItem.objects.visible_to`) and
the viewer's `today`/`now`, so tests control the clock and views stay thin.
"""
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import formats

from postmortems import permissions
from postmortems.models import ActionItem, ActionItemChange, ContributingFactor, PostMortem
from webhooks import events as webhook_events

Status = ActionItem.Status
OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)
DUE_SOON = timedelta(days=7)
RECENTLY_DONE = timedelta(days=30)
COMPLETION_PERIOD = timedelta(days=90)

# The dashboard's tabs, in the order they are shown.
TABS = {
    "open": "Open",
    "due_week": "Due this week",
    "overdue": "Overdue",
    "done": "Done recently",
    "wont_do": "Won't do",
    "all": "All",
}
DEFAULT_TAB = "open"
SORTS = {"due": "Due date, soonest first", "-due": "Due date, latest first"}


class ActionChangeError(ValueError):
    """A requested change breaks a rule (no reason given, inactive owner)."""


# Permissions --------------------------------------------------------------------

def can_change(user, item):
    """The post-mortem's editors and the item's owner may change an item."""
    if not (user.is_authenticated and user.is_active):
        return False
    return item.owner_id == user.pk or permissions.can_edit(user, item.postmortem)


def with_change_permission(queryset, user):
    """Annotate `may_change` per row in the same query (the rule of `can_change`)."""
    editable = PostMortem.objects.editable_by(user).filter(pk=OuterRef("postmortem_id"))
    # One EXISTS in the select list (an alias, not a second annotation that would repeat it).
    return queryset.alias(may_edit_postmortem=Exists(editable)).annotate(
        may_change=Q(may_edit_postmortem=True) | Q(owner_id=user.pk)
    )


# Selectors --------------------------------------------------------------------

def team_scope(user):
    """A Q on items: those of the person's teams' post-mortems that they may see.

    A lead may read every post-mortem of the teams they lead, so those teams need only a
    team filter, which the planner answers from the items in due-date order. Teams where
    the person is a plain member still go through `visible_to` (people incidents stay
    restricted to their authors, leads and viewers).
    """
    roles = permissions.team_roles(user)
    led = [team_id for team_id, role in roles.items() if role == permissions.LEAD]
    others = [team_id for team_id, role in roles.items() if role != permissions.LEAD]
    scope = Q(postmortem_team_id__in=led)
    if others:
        scope |= Q(postmortem_team_id__in=others) & permissions.visible_item_filter(user)
    return scope


def team_items(user):
    """What a person's dashboard covers: items of their teams' post-mortems they may see."""
    return ActionItem.objects.filter(team_scope(user))


def owned_items(user):
    """A person's own items, still limited to post-mortems they may see."""
    return ActionItem.objects.visible_to(user).filter(owner=user)


def open_item_count():
    """Per post-mortem: its items not done or dropped, as a subquery to annotate a list with.

    A subquery rather than `Count` over a join: the list's paginator can then count the
    post-mortems alone, and the database counts items only for the rows of the page.
    """
    items = (
        ActionItem.objects.filter(postmortem=OuterRef("pk")).exclude(status__in=ActionItem.CLOSED_STATUSES)
        .order_by().values("postmortem").annotate(count=Count("pk")).values("count")
    )
    return Coalesce(Subquery(items), 0)


def filter_items(queryset, filters):
    """Narrow by team, owner, post-mortem, kind, priority and theme (any may be missing)."""
    if filters.get("team"):
        queryset = queryset.filter(postmortem_team=filters["team"])
    if filters.get("owner"):
        queryset = queryset.filter(owner=filters["owner"])
    if filters.get("postmortem"):
        queryset = queryset.filter(postmortem=filters["postmortem"])
    if filters.get("kind"):
        queryset = queryset.filter(postmortem_kind=filters["kind"])
    if filters.get("priority"):
        queryset = queryset.filter(priority=filters["priority"])
    if filters.get("theme"):
        # A subquery, not a join, so an item is listed once however many factors share the theme.
        queryset = queryset.filter(
            postmortem_id__in=ContributingFactor.objects.filter(theme=filters["theme"]).values("postmortem_id")
        )
    return queryset


def _open():
    return Q(status__in=OPEN_STATUSES)


def _overdue(today):
    return _open() & Q(due_date__lt=today)


def _due_soon(today):
    """Open and due from today up to and including seven days ahead."""
    return _open() & Q(due_date__gte=today, due_date__lte=today + DUE_SOON)


def _done_since(since):
    return Q(status=Status.DONE, closed_at__gte=since)


def tab_filter(tab, *, today, now):
    """A Q for one dashboard tab; unknown tabs mean everything."""
    if tab == "open":
        return _open()
    if tab == "due_week":
        return _due_soon(today)
    if tab == "overdue":
        return _overdue(today)
    if tab == "done":
        return _done_since(now - RECENTLY_DONE)
    if tab == "wont_do":
        return Q(status=Status.WONT_DO)
    return Q()


def sort_items(queryset, sort):
    """Order by due date (items without one last either way), then by age."""
    if sort == "-due":
        return queryset.order_by(F("due_date").desc(nulls_last=True), "-id")
    return queryset.order_by(F("due_date").asc(nulls_last=True), "id")


# What a dashboard row and its CSV line show: the post-mortem's long text sections and
# search vector stay behind, which keeps the join narrow enough to sort in memory.
ROW_FIELDS = (
    "title", "status", "priority", "due_date", "created_at", "closed_at", "postmortem__title",
    "postmortem__kind", "postmortem__team__name", "owner__username", "owner__first_name", "owner__last_name",
)


def _with_row_fields(queryset, user):
    return with_change_permission(queryset.select_related("postmortem__team", "owner").only(*ROW_FIELDS), user)


def list_items(queryset, *, tab, sort, today, now, user):
    """The rows of one dashboard view, with what each row shows fetched in the same query."""
    return _with_row_fields(sort_items(queryset.filter(tab_filter(tab, today=today, now=now)), sort), user)


def item_ids(queryset, *, tab, sort, today, now):
    """The ids of one dashboard view's items in list order: what a page is cut from."""
    return sort_items(queryset.filter(tab_filter(tab, today=today, now=now)), sort).values_list("pk", flat=True)


def rows_for(ids, *, sort, user):
    """The rows behind a slice of `item_ids`, in the same order, with what each row shows.

    The database picks the page among the items alone, then joins the post-mortem, team
    and owner for those rows only, rather than for every item of the tab before sorting.
    """
    queryset = sort_items(ActionItem.objects.filter(pk__in=ids), sort)
    return mark_changeable(list(queryset.select_related("postmortem__team", "owner").only(*ROW_FIELDS)), user)


def mark_changeable(items, user):
    """Set `may_change` on each of a page of items (the rule of `can_change`) in one query.

    A query for the page's post-mortems alone: as an EXISTS per row, the planner
    checked every post-mortem the person may edit instead.
    """
    editable = set(
        PostMortem.objects.editable_by(user).filter(pk__in={item.postmortem_id for item in items})
        .values_list("pk", flat=True)
    )
    for item in items:
        item.may_change = item.postmortem_id in editable or item.owner_id == user.pk
    return items


@dataclass(frozen=True)
class Summary:
    open: int
    overdue: int
    due_soon: int
    done_in_period: int
    # Done in the period ÷ (done in the period + still open); None when there is nothing to count.
    completion_rate: float | None
    median_days_to_done: float | None
    oldest_overdue: ActionItem | None
    # How many items the tab asked for lists (None when no tab was asked for).
    listed: int | None = None

    @property
    def completion_percent(self):
        return None if self.completion_rate is None else round(self.completion_rate * 100)

    @property
    def completion_total(self):
        return self.done_in_period + self.open


def _count(condition):
    return Count("pk", filter=condition) if condition else Count("pk")


def summarise(queryset, *, today, now, tab=None):
    """The figures at the top of the dashboard, in at most three queries whatever the size.

    With a `tab`, the same first query also counts that tab's items (`listed`), so the
    list's paginator need not count them again.
    """
    since = now - COMPLETION_PERIOD
    queryset = queryset.order_by()
    listed = {"listed": _count(tab_filter(tab, today=today, now=now))} if tab else {}
    counts = queryset.aggregate(
        open=Count("pk", filter=_open()),
        overdue=Count("pk", filter=_overdue(today)),
        due_soon=Count("pk", filter=_due_soon(today)),
        done=Count("pk", filter=_done_since(since)),
        **listed,
    )
    considered = counts["done"] + counts["open"]
    oldest = None
    if counts["overdue"]:
        oldest = queryset.filter(_overdue(today)).select_related("postmortem").order_by("due_date", "id").first()
    return Summary(
        open=counts["open"],
        overdue=counts["overdue"],
        due_soon=counts["due_soon"],
        done_in_period=counts["done"],
        completion_rate=counts["done"] / considered if considered else None,
        median_days_to_done=_median_days_to_done(queryset.filter(_done_since(since)), counts["done"]),
        oldest_overdue=oldest,
        listed=counts.get("listed"),
    )


def _median_days_to_done(done, count):
    """Median of closed_at - created_at over `count` done items.

    There is no portable SQL median, so the database sorts the durations and
    returns only the middle one or two rows: one query, constant data.
    """
    if not count:
        return None
    duration = ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())
    middle = list(
        done.annotate(duration=duration).order_by("duration", "id")
        .values_list("duration", flat=True)[(count - 1) // 2: count // 2 + 1]
    )
    if not middle:
        return None
    median = sum(middle, timedelta()) / len(middle)
    return round(median.total_seconds() / 86400, 1)


# Writers ----------------------------------------------------------------------

def person_name(user):
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _locked_copy(item):
    """The item's current row, locked until the transaction ends so two changes do not interleave."""
    return ActionItem.objects.select_for_update().get(pk=item.pk)


def _record(current, *, actor, field, old_value, new_value, note, now):
    return ActionItemChange.objects.create(
        item=current, actor=actor, field=field, old_value=old_value, new_value=new_value,
        note=note.strip(), **({"created_at": now} if now else {}),
    )


def _refresh(item, current, fields):
    for name in fields:
        setattr(item, name, getattr(current, name))


# The core writers change one field of a row already locked by the caller, save it (stamping
# `updated_at`) and record the change. The quick actions and the post-mortem editor both go
# through them, so every change of status, due date or owner is in the history whatever its path.

def _set_status(current, *, actor, status, note, now):
    if current.status == status:
        return False
    old_status = current.status
    current.status = status
    # Entering a closed status stamps the time (the model's save fills in now); reopening clears it.
    current.closed_at = now if status in ActionItem.CLOSED_STATUSES else None
    current.save(update_fields=["status", "closed_at", "updated_at"])
    _record(current, actor=actor, field="status", old_value=old_status, new_value=status, note=note, now=now)
    if status == Status.DONE:  # webhook outbox, in the caller's transaction (quick action or editor)
        webhook_events.record(webhook_events.ITEM_DONE, team=current.postmortem.team, item=current)
    return True


def _set_due_date(current, *, actor, due_date, note, now):
    if current.due_date == due_date:
        return False
    old_value = current.due_date.isoformat() if current.due_date else ""
    current.due_date = due_date
    current.save(update_fields=["due_date", "updated_at"])
    _record(current, actor=actor, field="due_date", old_value=old_value,
            new_value=due_date.isoformat() if due_date else "", note=note, now=now)
    return True


def _set_owner(current, *, actor, owner, note, now):
    if current.owner_id == (owner.pk if owner else None):
        return False
    old_value = person_name(current.owner)
    current.owner = owner
    current.save(update_fields=["owner", "updated_at"])
    _record(current, actor=actor, field="owner", old_value=old_value, new_value=person_name(owner), note=note, now=now)
    return True


def _locked_with_owner(item):
    # Lock only the item row: Postgres refuses FOR UPDATE on the nullable side of the owner join.
    return ActionItem.objects.select_for_update(of=("self",)).select_related("owner").get(pk=item.pk)


@transaction.atomic
def mark_done(item, *, actor, note="", now=None):
    """Close the item as done and record it; returns False if it already was."""
    current = _locked_copy(item)
    changed = _set_status(current, actor=actor, status=Status.DONE, note=note, now=now)
    _refresh(item, current, ["status", "closed_at", "updated_at"])
    return changed


@transaction.atomic
def change_due_date(item, *, actor, due_date, reason, now=None):
    """Move the due date; the reason is required and kept in the history. False if unchanged."""
    if not (reason or "").strip():
        raise ActionChangeError("Say why the due date changes; the reason is kept in the item's history.")
    current = _locked_copy(item)
    changed = _set_due_date(current, actor=actor, due_date=due_date, note=reason, now=now)
    _refresh(item, current, ["due_date", "updated_at"])
    return changed


class OwnerCannotSeeError(ActionChangeError):
    """The chosen owner may not read the item's (people) post-mortem."""

    field = "owner"


def cannot_see_message(owner):
    return (f"{person_name(owner)} cannot see this post-mortem. "
            "Add them as a viewer first, or choose someone who can see this post-mortem.")


@transaction.atomic
def reassign(item, *, actor, owner, note="", now=None):
    """Give the item to another active person and record it. False if they already own it.

    On a people post-mortem the new owner must be able to read it (author, team lead or viewer).
    """
    if owner is None or not owner.is_active:
        raise ActionChangeError("Action items can only be given to an active person.")
    current = _locked_with_owner(item)
    if current.owner_id == owner.pk:
        _refresh(item, current, ["owner"])
        return False
    if not permissions.can_view(owner, current.postmortem):
        raise OwnerCannotSeeError(cannot_see_message(owner))
    changed = _set_owner(current, actor=actor, owner=owner, note=note, now=now)
    _refresh(item, current, ["owner", "updated_at"])
    return changed


EDITOR_FIELDS = ["title", "description", "priority"]
EDITOR_NOTE = "Changed in the post-mortem editor"


def apply_editor_changes(item, *, actor, values, note=EDITOR_NOTE, now=None):
    """Apply one editor row to its saved item, inside the caller's transaction.

    Status, due date and owner go through the same writers as the quick actions, so each
    change is recorded (who, when, from → to); title, description and priority are saved plainly.
    Returns the names of the fields that changed.
    """
    current = _locked_with_owner(item)
    changed = []
    if "status" in values and _set_status(current, actor=actor, status=values["status"], note=note, now=now):
        changed.append("status")
    if "due_date" in values and _set_due_date(current, actor=actor, due_date=values["due_date"], note=note, now=now):
        changed.append("due_date")
    if "owner" in values and _set_owner(current, actor=actor, owner=values["owner"], note=note, now=now):
        changed.append("owner")
    plain = [name for name in EDITOR_FIELDS if name in values and getattr(current, name) != values[name]]
    for name in plain:
        setattr(current, name, values[name])
    if plain:
        current.save(update_fields=[*plain, "updated_at"])
    _refresh(item, current, ["title", "description", "priority", "status", "due_date", "owner", "closed_at",
                             "updated_at"])
    return changed + plain


# What an editor row was rendered with ------------------------------------------------

TRACKED_FIELDS = ("status", "due_date", "owner")


def tracked_values(*, status, due_date, owner_id):
    return {"status": status, "due_date": due_date.isoformat() if due_date else None, "owner": owner_id}


def seen_token(item):
    """The editor's hidden per-row record of the item as rendered: when it was last saved and its
    status, due date and owner, so a save can tell which of those changed since."""
    return json.dumps({
        "at": item.updated_at.isoformat() if item.updated_at else None,
        **tracked_values(status=item.status, due_date=item.due_date, owner_id=item.owner_id),
    }, separators=(",", ":"))


def parse_seen(token):
    """The dict `seen_token` made, or None when missing or unreadable (then nothing is known)."""
    try:
        seen = json.loads(token or "")
        seen["at"] = datetime.fromisoformat(seen["at"])
    except (ValueError, TypeError, KeyError):
        return None
    if not isinstance(seen, dict) or not all(name in seen for name in TRACKED_FIELDS):
        return None
    return seen


def changed_since(seen, current):
    """Tracked fields of `current` (the saved row) that differ from what the editor showed.

    Nothing when the row was not saved since; every field when what was shown is unknown.
    """
    if seen is not None and current.updated_at == seen["at"]:
        return []
    now = tracked_values(status=current.status, due_date=current.due_date, owner_id=current.owner_id)
    if seen is None:
        return list(TRACKED_FIELDS)
    return [name for name in TRACKED_FIELDS if seen[name] != now[name]]


def describe_changes_since(seen, current):
    """A sentence for the editor: who changed this item since it was shown, and from what to what."""
    fields = changed_since(seen, current)
    if seen is None:
        return ("This item may have changed since you opened the editor. The row now shows its current "
                "status, due date and owner; save again to keep them, or change them on purpose.")
    changes = current.changes.filter(created_at__gt=seen["at"], field__in=fields).select_related("actor")
    actors = list(dict.fromkeys(person_name(change.actor) or "someone" for change in reversed(changes)))
    now = tracked_values(status=current.status, due_date=current.due_date, owner_id=current.owner_id)
    parts = []
    for name in fields:
        old, new = seen[name], now[name]
        if name == "owner":
            shown = get_user_model().objects.filter(pk=old).first() if old else None
            old, new = person_name(shown), person_name(current.owner)
        parts.append(f"{FIELD_LABELS[name].lower()} {_display(name, old)} → {_display(name, new)}")
    who = " and ".join(actors) if actors else "Someone"
    return (f"{who} changed this item after you opened the editor: {'; '.join(parts)}. "
            "The row now shows the current values; save again to keep them, or change them on purpose.")


# History ----------------------------------------------------------------------

FIELD_LABELS = {"status": "Status", "due_date": "Due date", "owner": "Owner"}
EMPTY_LABELS = {"status": "none", "due_date": "no due date", "owner": "nobody"}


@dataclass(frozen=True)
class HistoryEntry:
    change: ActionItemChange
    field_label: str
    old: str
    new: str


def _display(field, value):
    if not value:
        return EMPTY_LABELS.get(field, "empty")
    if field == "status":
        return Status(value).label if value in Status.values else value
    if field == "due_date":
        try:
            return formats.date_format(date.fromisoformat(value), "j M Y")
        except ValueError:
            return value
    return value


def history(item):
    """The item's recorded changes, newest first, with values as people read them."""
    changes = item.changes.select_related("actor")
    return [
        HistoryEntry(change, FIELD_LABELS.get(change.field, change.field.replace("_", " ").capitalize()),
                     _display(change.field, change.old_value), _display(change.field, change.new_value))
        for change in changes
    ]


def needing_new_owner(user_or_team_ids):
    """Open action items owned by someone deactivated, on post-mortems of these teams.

    Pass a person (their led teams count) or team ids. Leads may read everything of their
    teams, so no further visibility filter applies to a lead's own teams.
    """
    if hasattr(user_or_team_ids, "is_authenticated"):
        team_ids = permissions.lead_team_ids(user_or_team_ids)
    else:
        team_ids = list(user_or_team_ids)
    # The few people who left, fetched first: with their ids in hand the planner reads only
    # their open items (through the open-by-owner index), not every open item of the teams.
    departed = list(get_user_model().objects.filter(is_active=False).values_list("pk", flat=True))
    return (
        ActionItem.objects.filter(postmortem__team_id__in=team_ids, owner_id__in=departed, status__in=OPEN_STATUSES)
        .select_related("owner", "postmortem__team")
        .order_by("due_date", "pk")
    )


@transaction.atomic
def reopen(item, *, actor, note="", now=None):
    """Reopen a done or dropped item and record it (the note says where, e.g. a tracker); False if it was open.

    An item in progress stays in progress: it is not closed, so there is nothing to reopen.
    """
    current = _locked_copy(item)
    if not current.is_closed:
        _refresh(item, current, ["status", "closed_at", "updated_at"])
        return False
    changed = _set_status(current, actor=actor, status=Status.OPEN, note=note, now=now)
    _refresh(item, current, ["status", "closed_at", "updated_at"])
    return changed
