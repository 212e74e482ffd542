"""Plain factory functions for tests: each makes one thing with sensible defaults."""
import itertools
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from postmortems.models import ActionItem, ContributingFactor, Membership, PostMortem, Team, Theme, TimelineEvent
from postmortems.revisions import record_revision

_counter = itertools.count(1)
PASSWORD = "correct-horse-battery"


def make_user(username=None, *, first_name="", last_name="", **extra):
    n = next(_counter)
    username = username or f"person{n}"
    return get_user_model().objects.create_user(
        username=username, email=f"{username}@example.test", password=PASSWORD,
        first_name=first_name, last_name=last_name, **extra,
    )


def make_team(name=None):
    n = next(_counter)
    name = name or f"Team {n}"
    return Team.objects.create(name=name, slug=f"team-{n}")


def add_member(team, user, role=Membership.Role.MEMBER):
    return Membership.objects.create(team=team, user=user, role=role)


def shared_theme(name="Capacity"):
    return Theme.objects.get(name=name, team=None)


def make_postmortem(team, *, authors=(), viewers=(), kind="technical", status="draft", title=None, **fields):
    n = next(_counter)
    postmortem = PostMortem.objects.create(
        team=team, kind=kind, status=status, title=title or f"Incident {n}",
        summary=fields.pop("summary", f"Summary of incident {n}."),
        published_at=timezone.now() if status == "published" else None,
        **fields,
    )
    postmortem.authors.set(authors)
    postmortem.viewers.set(viewers)
    record_revision(postmortem, author=authors[0] if authors else None, note="Created")
    return postmortem


def add_timeline_event(postmortem, description="Alert fired", minutes=0):
    return TimelineEvent.objects.create(
        postmortem=postmortem, occurred_at=timezone.now() - timedelta(hours=2) + timedelta(minutes=minutes),
        description=description,
    )


def add_factor(postmortem, theme=None, description="Pool sized for last year's load"):
    return ContributingFactor.objects.create(postmortem=postmortem, theme=theme or shared_theme(), description=description)


def add_action_item(postmortem, *, owner=None, title="Alert on pool saturation", due_in_days=7, **fields):
    due = timezone.localdate() + timedelta(days=due_in_days) if due_in_days is not None else None
    return ActionItem.objects.create(postmortem=postmortem, owner=owner, title=title, due_date=due, **fields)
