"""Plain factory functions for tests: each makes one thing with sensible defaults."""
import itertools
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from postmortems import search
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
    # get_or_create: transactional tests flush the themes the migration seeded.
    return Theme.objects.get_or_create(name=name, team=None)[0]


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
    search.update_search_vector([postmortem.pk])
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
    item = ActionItem.objects.create(postmortem=postmortem, owner=owner, title=title, due_date=due, **fields)
    search.update_search_vector([postmortem.pk])
    return item


# Added for the foundation test suite -------------------------------------------

def minute(dt):
    """A time at whole-minute precision, as the editor's datetime-local inputs submit it."""
    return dt.replace(second=0, microsecond=0)


def add_timeline_event_at(postmortem, occurred_at, description="Alert fired"):
    return TimelineEvent.objects.create(postmortem=postmortem, occurred_at=minute(occurred_at), description=description)


def make_theme(team, name="Runbook drift"):
    return Theme.objects.create(team=team, name=name)


def management_form(prefix, total, initial=0):
    """The hidden management-form fields an inline formset expects in a POST."""
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def form_fields(html, form_id="postmortem-form"):
    """What a browser would submit from the form with this id: {name: value or [values]}.

    Reads inputs, textareas and selects the way a browser does (checked boxes only,
    selected options only, one leading newline of a textarea dropped) and skips the
    formset row templates (`__prefix__`). Submit buttons are left out: add `action`.
    """
    from html.parser import HTMLParser

    class Parser(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.in_form = False
            self.template_depth = 0
            self.textarea = None
            self.select = None
            self.option = None
            self.pairs = []

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "form" and attrs.get("id") == form_id:
                self.in_form = True
            if not self.in_form:
                return
            if tag == "template":
                self.template_depth += 1
            if self.template_depth:
                return
            name = attrs.get("name")
            if "disabled" in attrs and tag in ("input", "select", "textarea"):
                return  # browsers do not submit disabled controls
            if tag == "input" and name:
                kind = attrs.get("type", "text")
                if kind in ("submit", "button", "image", "reset"):
                    return
                if kind in ("checkbox", "radio"):
                    if "checked" in attrs:
                        self.pairs.append((name, attrs.get("value", "on")))
                    return
                self.pairs.append((name, attrs.get("value") or ""))
            elif tag == "textarea" and name:
                self.textarea = [name, ""]
            elif tag == "select" and name:
                self.select = name
            elif tag == "option" and self.select and "selected" in attrs:
                self.pairs.append((self.select, attrs.get("value", "")))

        def handle_endtag(self, tag):
            if not self.in_form:
                return
            if tag == "template":
                self.template_depth -= 1
            elif tag == "form":
                self.in_form = False
            elif tag == "textarea" and self.textarea:
                name, text = self.textarea
                self.pairs.append((name, text[1:] if text.startswith("\n") else text))
                self.textarea = None
            elif tag == "select":
                self.select = None

        def handle_data(self, data):
            if self.textarea is not None:
                self.textarea[1] += data

    parser = Parser()
    parser.feed(html)
    data = {}
    for name, value in parser.pairs:
        if name in data:
            data[name] = [*(data[name] if isinstance(data[name], list) else [data[name]]), value]
        else:
            data[name] = value
    return data


def submit_editor(client, url, action="save", **changes):
    """Open the editor at `url` as a browser would, change some fields, press a button.

    Returns (response to the POST, the data posted). `changes` maps field names to
    values; a value of None removes the field from the submission.
    """
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    data = form_fields(page.content.decode())
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    data["action"] = action
    return client.post(url, data), data


# Added for the action-item dashboard --------------------------------------------

def add_closed_action_item(postmortem, *, status=ActionItem.Status.DONE, created_days_ago=10, closed_days_ago=1,
                           now=None, **fields):
    """An item created and closed (done or won't do) the given number of days before `now`."""
    now = now or timezone.now()
    fields.setdefault("due_in_days", None)
    return add_action_item(
        postmortem, status=status, created_at=now - timedelta(days=created_days_ago),
        closed_at=now - timedelta(days=closed_days_ago), **fields,
    )


def add_action_items(postmortem, count, *, owner=None, **fields):
    """`count` items on one post-mortem, titled "Item 1" … (for pagination and query-count tests)."""
    return [add_action_item(postmortem, owner=owner, title=f"Item {n}", **fields) for n in range(1, count + 1)]


# Added for the reminders tests -------------------------------------------------

def set_profile(user, **fields):
    """Give this person a profile with these fields (timezone, reminders_paused, …)."""
    from postmortems.models import Profile

    return Profile.objects.update_or_create(user=user, defaults=fields)[0]


def add_action_item_due_on(postmortem, due_date, *, owner, title="Alert on pool saturation", **fields):
    """An action item due on an exact date, for tests that control the clock."""
    return ActionItem.objects.create(postmortem=postmortem, owner=owner, title=title, due_date=due_date, **fields)


# Added for the trends dashboard ------------------------------------------------

def make_incident(team, on, *, kind="technical", status="published", severity=3, themes=(), authors=(),
                  viewers=(), resolved_after=timedelta(hours=2), published_after=None, blame_counts=None,
                  word_count=0, title=None):
    """A post-mortem of an incident that started at `on` (aware), with one factor per theme.

    Published ones are published `published_after` after resolution (default: one day).
    """
    resolved = on + resolved_after if resolved_after is not None else None
    postmortem = make_postmortem(
        team, kind=kind, status=status, severity=severity, authors=authors, viewers=viewers, title=title,
        started_at=on, detected_at=on, resolved_at=resolved, created_at=(resolved or on) + timedelta(hours=1),
        blame_counts=blame_counts or {}, word_count=word_count,
    )
    if status == "published":
        postmortem.published_at = (resolved or on) + (published_after or timedelta(days=1))
        postmortem.save(update_fields=["published_at"])
    for theme in themes:
        add_factor(postmortem, theme=theme, description=f"{theme.name} mattered")
    return postmortem


def add_item_at(postmortem, created_at, *, closed_at=None, status=None, due_date=None, title="Follow up"):
    """An action item created (and maybe closed) at exact times, for follow-through figures."""
    status = status or (ActionItem.Status.DONE if closed_at else ActionItem.Status.OPEN)
    item = ActionItem.objects.create(postmortem=postmortem, title=title, status=status, due_date=due_date,
                                     created_at=created_at)
    ActionItem.objects.filter(pk=item.pk).update(closed_at=closed_at)  # save() would stamp closed_at with now
    item.closed_at = closed_at
    return item


# Added for the weekly digest tests -------------------------------------------------

def publish_at(postmortem, when):
    """Mark a post-mortem published at an exact moment, for tests that control the clock."""
    PostMortem.objects.filter(pk=postmortem.pk).update(status=PostMortem.Status.PUBLISHED, published_at=when)
    postmortem.refresh_from_db()
    return postmortem


# Added for the editor-integrity tests ------------------------------------------------

def open_editor(client, url):
    """What the editor at `url` would submit unchanged: {name: value or [values]} (a GET, like a browser)."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return form_fields(page.content.decode())


def row_prefix(data, prefix, pk):
    """The prefix ("actions-0") of the formset row in `data` that holds the saved row `pk`."""
    for name, value in data.items():
        if name.startswith(f"{prefix}-") and name.endswith("-id") and str(value) == str(pk):
            return name[: -len("-id")]
    raise KeyError(f"no {prefix} row for {pk}")


# Added for blame-check feedback ------------------------------------------------------

def add_feedback(postmortem, *, by, kind="not_blame", sentence="Sam should have rolled back sooner.",
                 section="summary", status="pending", category="counterfactual", finding_text="should have rolled",
                 note="", reviewed_by=None):
    """Feedback as the editor stores it, with its review status set directly."""
    from blamefeedback.feedback import sentence_key, stored_sentence
    from blamefeedback.models import BlameFeedback

    sentence = stored_sentence(sentence)
    return BlameFeedback.objects.create(
        postmortem=postmortem, section=section, sentence=sentence, sentence_hash=sentence_key(sentence), kind=kind,
        finding_category=category, finding_text=finding_text if kind == "not_blame" else "", note=note,
        created_by=by, status=status, reviewed_by=reviewed_by,
        reviewed_at=timezone.now() if reviewed_by else None,
    )


def add_term(term, *, action="allow", category="", note="", by=None):
    """A vocabulary term: "allow" is never flagged, "flag" is flagged in `category`."""
    from blamefeedback.models import VocabularyTerm

    return VocabularyTerm.objects.create(term=term, action=action, category=category, note=note, created_by=by)


def live_check(client, postmortem, section, text):
    """What the editor's live check answers for `text` in `section` (postmortem None: a new one)."""
    from django.urls import reverse

    data = {"section": section, section: text}
    if postmortem is not None:
        data["postmortem"] = postmortem.pk
    return client.post(reverse("postmortems:blame-check"), data)


def not_blame_buttons(html):
    """The values of the "Not blame here" buttons in a page or fragment, in order."""
    import re

    return re.findall(r'name="not_blame" value="([^"]+)"', html)


def press_not_blame(client, postmortem, section, text, *, note="", htmx=True, button=0, **extra):
    """Press a finding's "Not blame here" as the editor offers it for `text` (htmx, or a plain form)."""
    from django.urls import reverse

    value = not_blame_buttons(live_check(client, postmortem, section, text).content.decode())[button]
    key = value.split(":")[1]
    data = {"postmortem": postmortem.pk, "not_blame": value, f"note-{section}-{key}": note, **extra}
    if htmx:
        data[section] = text
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(reverse("blamefeedback:not-blame"), data, headers=headers)


# Added for invitations, teams and the audit log (issue 11) --------------------------

def make_org_admin(username=None, **fields):
    """A person with the organisation admin role (not a superuser)."""
    from accounts.roles import make_org_admin as grant

    user = make_user(username, **fields)
    grant(user)
    return user


def make_invitation(team, email="new.person@example.test", *, role="member", by=None, days=7, **fields):
    """A pending invitation (no email sent) and its link token."""
    import secrets

    from accounts import invitations
    from accounts.models import Invitation

    invitation = Invitation.objects.create(
        team=team, email=email.lower(), role=role, invited_by=by, nonce=secrets.token_urlsafe(24),
        expires_at=fields.pop("expires_at", timezone.now() + timedelta(days=days)), **fields,
    )
    return invitation, invitations.link_token(invitation)
