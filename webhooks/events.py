"""Recording webhook events: in the writer's transaction (the outbox), and the overdue sweep.

`record` is called by the code that makes a change, inside its transaction, so the event
commits or rolls back with the change. What receivers may be told is decided here, once,
and frozen in `Event.data`: for a people post-mortem only ids, kind, team, status and a
link (a link whose page is permission-checked), never a title or text, because the
channel behind a webhook is read by people who could not open the post-mortem.
"""
import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from postmortems.models import ActionItem, PostMortem
from webhooks.models import ITEM_CREATED, ITEM_DONE, ITEM_OVERDUE, PUBLISHED, Endpoint, Event

# Imported here too so that a hook reads `webhook_events.PUBLISHED`.
KINDS = (PUBLISHED, ITEM_CREATED, ITEM_OVERDUE, ITEM_DONE)

logger = logging.getLogger(__name__)

# An item is reported overdue only within this many days of its due date: an endpoint added
# today is not flooded with every item that ever went overdue.
OVERDUE_LOOKBACK = timedelta(days=7)


def record(kind, *, team, postmortem=None, item=None, now=None):
    """Write the event for a change, in the caller's transaction; None if it was recorded before.

    A publication is reported once per post-mortem and an item done once per closing
    (its `closed_at`), so saving a published post-mortem again sends nothing new.
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown webhook event kind {kind!r}")
    if item is not None and postmortem is None:
        postmortem = item.postmortem
    event = Event(kind=kind, team=team, postmortem=postmortem, item=item, key=_key(kind, postmortem, item),
                  data=event_data(kind, team=team, postmortem=postmortem, item=item),
                  created_at=now or timezone.now())
    try:
        # A savepoint, so a duplicate key undoes only this insert, not the caller's change.
        with transaction.atomic():
            event.save()
    except IntegrityError:
        if event.key is None:
            raise  # only a keyed event can meet its twin; anything else is a bug
        return None  # already recorded: a publication or closing is reported once
    if any(kind in events for events in
           Endpoint.objects.filter(team=team, enabled=True).values_list("events", flat=True)):
        # Low latency: deliver as soon as the change is committed. The beat's sweep sends anything
        # this misses (broker down, worker busy), so failing to enqueue loses nothing.
        transaction.on_commit(enqueue_delivery)
    return event


def _key(kind, postmortem, item):
    if kind == PUBLISHED:
        return f"{kind}:{postmortem.pk}"
    if kind == ITEM_OVERDUE:
        return f"{kind}:{item.pk}:{item.due_date.isoformat()}"
    if kind == ITEM_DONE and item.closed_at is not None:
        return f"{kind}:{item.pk}:{item.closed_at.isoformat()}"
    return None


def enqueue_delivery():
    """Ask a worker to deliver now; if the broker is unreachable the beat's sweep will."""
    from kombu.exceptions import OperationalError

    from webhooks.tasks import deliver_webhooks

    try:
        deliver_webhooks.delay()
    except OperationalError as error:
        logger.warning("Could not enqueue webhook delivery (%s); the next sweep will send it", error)


def link(path):
    return settings.SITE_URL + path


def event_data(kind, *, team, postmortem=None, item=None):
    """What receivers of this event may be told. People post-mortems: ids, kind, team, status and links only."""
    data = {"type": kind, "team": {"id": team.pk, "slug": team.slug, "name": team.name}}
    if postmortem is not None:
        data["postmortem"] = {"id": postmortem.pk, "kind": postmortem.kind, "status": postmortem.status,
                              "url": link(postmortem.get_absolute_url()), "title": postmortem.title,
                              "severity": postmortem.severity, "summary": postmortem.summary}
    if item is not None:
        data["action_item"] = {
            "id": item.pk, "status": item.status, "url": link(reverse("postmortems:action-detail", args=[item.pk])),
            "title": item.title, "priority": item.priority,
            "due_date": item.due_date.isoformat() if item.due_date else None,
            "owner": item.owner.get_username() if item.owner_id else None,
        }
    if postmortem is not None and postmortem.kind == PostMortem.Kind.PEOPLE:
        return redacted(data)
    return data


# What a people post-mortem's event may carry: what its link's 404 page would not hide anyway.
PEOPLE_FIELDS = {"id", "kind", "status", "url"}


def redacted(data):
    """The event's data with only ids, kind, team, status and links of the post-mortem and item."""
    data = dict(data)
    for name in ("postmortem", "action_item"):
        if name in data:
            data[name] = {key: value for key, value in data[name].items() if key in PEOPLE_FIELDS}
    if "postmortem" in data:
        data["postmortem"]["kind"] = PostMortem.Kind.PEOPLE
    return data


def record_overdue(*, now=None):
    """Record `action_item.overdue` for open items past their due date, once per due date.

    Derived from the data on every sweep, like reminders, so a sweep that did not run is
    caught up by the next. Only for teams with an endpoint that wants it. Returns how many
    events were new.
    """
    now = now or timezone.now()
    teams = {team_id for team_id, events in Endpoint.objects.filter(enabled=True).values_list("team_id", "events")
             if ITEM_OVERDUE in events}
    if not teams:
        return 0
    today = now.date()  # the UTC date: a team's channel has no single time zone
    items = (
        ActionItem.objects.exclude(status__in=ActionItem.CLOSED_STATUSES)
        .filter(postmortem__team_id__in=teams, due_date__lt=today, due_date__gte=today - OVERDUE_LOOKBACK)
        .select_related("postmortem__team", "owner")
    )
    events = [
        Event(kind=ITEM_OVERDUE, team=item.postmortem.team, postmortem=item.postmortem, item=item,
              key=_key(ITEM_OVERDUE, item.postmortem, item), created_at=now,
              data=event_data(ITEM_OVERDUE, team=item.postmortem.team, postmortem=item.postmortem, item=item))
        for item in items
    ]
    if not events:
        return 0
    before = Event.objects.filter(key__in=[event.key for event in events]).count()
    Event.objects.bulk_create(events, ignore_conflicts=True)  # the key's constraint keeps each one once
    return Event.objects.filter(key__in=[event.key for event in events]).count() - before
