"""Keep the data: write the whole organisation to a directory, and restore it into an empty database.

`organisation.json` holds every row the organisation owns, people by username and everything else by
its id, plus a format version; `postmortems/<id>-<slug>.md` is one Markdown file per post-mortem for
people to read. Password hashes are never written, so imported people get unusable passwords.
Reminder and digest records are left out: they only say which emails already went out.

Near-miss reports go in full, under their random (UUID) ids; an anonymous one has no reporter and no
time of day to write, because it stores neither. Of the team pulse, each team's settings, its question
sets (every version, with their statements) and its periods go in, so a restored team keeps the history
of its questions. Pulse responses, their answers, participations and invitations are never written:
single responses in a file could be narrowed below the anonymity threshold of `pulse.results` by anyone
holding it, and participations say who answered. Back them up with pg_dump instead: imported periods
have no responses.
"""
import datetime
import json
import uuid
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.text import slugify

from nearmisses.models import NearMiss
from postmortems import guides, search
from postmortems.models import (
    ActionItem, ActionItemChange, BlameAcknowledgement, ContributingFactor, Membership, PostMortem, Profile,
    Revision, Team, Theme, TimelineEvent,
)
from pulse.models import Period, PulseSettings, QuestionSet, Response, Statement

User = get_user_model()

FORMAT = "debrief-organisation"
FORMAT_VERSION = 2
# Version 1 had no near misses and no pulse: read as a version 2 export with none of either.
ADDED_IN_VERSION_2 = ["near_misses", "pulse_settings", "pulse_question_sets", "pulse_periods"]
READABLE_VERSIONS = [1, FORMAT_VERSION]
DATA_FILE = "organisation.json"
MARKDOWN_FOLDER = "postmortems"
# What an import needs to recreate a person; the password hash, groups and permissions stay behind.
USER_FIELDS = [
    "username", "first_name", "last_name", "email", "is_active", "is_staff", "is_superuser",
    "date_joined", "last_login",
]


class ExportRefused(Exception):
    """The export directory is not fit to write into; nothing was written."""


class ImportRefused(Exception):
    """The export or the database is not fit for an import; nothing was written."""


def describe(counts):
    """'3 users, 2 teams, …' for a command's output."""
    return ", ".join(f"{number} {what}" for what, number in counts.items())


# Export ----------------------------------------------------------------------------------------

def export_organisation(directory):
    """Write organisation.json and one Markdown file per post-mortem into a new or empty directory; return counts."""
    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise ExportRefused(f"{directory} is not an empty directory. Export into a new or empty one.")
    data = organisation_data()
    markdown_folder = directory / MARKDOWN_FOLDER
    markdown_folder.mkdir(parents=True)
    # newline="": text keeps its own line endings, byte for byte, on every platform.
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    (directory / DATA_FILE).write_text(text, encoding="utf-8", newline="")
    for postmortem in PostMortem.objects.select_related("team").prefetch_related(
            "authors", "timeline_events", "action_items__owner").order_by("pk"):
        path = markdown_folder / markdown_filename(postmortem)
        path.write_text(postmortem_markdown(postmortem), encoding="utf-8", newline="")
    return export_counts(data)


def organisation_data():
    """Everything the organisation owns as plain JSON-ready data, in a stable order."""
    usernames = dict(User.objects.values_list("pk", "username"))
    feedback_model, term_model = _blamefeedback_models()
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "users": _user_rows(usernames),
        "teams": _team_rows(),
        "themes": [_row(theme, usernames) for theme in Theme.objects.order_by("pk")],
        "postmortems": _postmortem_rows(usernames, with_feedback=feedback_model is not None),
        "vocabulary_terms": [_row(term, usernames) for term in term_model.objects.order_by("pk")] if term_model else [],
        "near_misses": _near_miss_rows(usernames),
        "pulse_settings": [_row(pulse_settings, usernames) for pulse_settings in PulseSettings.objects.order_by("pk")],
        "pulse_question_sets": _question_set_rows(usernames),
        "pulse_periods": [_row(period, usernames) for period in Period.objects.order_by("pk")],
    }


def export_counts(data):
    """How many of each kind of row an export holds."""
    postmortems = data["postmortems"]
    return {
        "users": len(data["users"]),
        "teams": len(data["teams"]),
        "themes": len(data["themes"]),
        "post-mortems": len(postmortems),
        "revisions": sum(len(row["revisions"]) for row in postmortems),
        "timeline events": sum(len(row["timeline_events"]) for row in postmortems),
        "contributing factors": sum(len(row["factors"]) for row in postmortems),
        "action items": sum(len(row["action_items"]) for row in postmortems),
        "action-item changes": sum(len(item["changes"]) for row in postmortems for item in row["action_items"]),
        "blame acknowledgements": sum(len(row["blame_acknowledgements"]) for row in postmortems),
        "blame feedback": sum(len(row["blame_feedback"]) for row in postmortems),
        "vocabulary terms": len(data["vocabulary_terms"]),
        "near misses": len(data["near_misses"]),
        "pulse settings": len(data["pulse_settings"]),
        "pulse question sets": len(data["pulse_question_sets"]),
        "pulse statements": sum(len(row["statements"]) for row in data["pulse_question_sets"]),
        "pulse periods": len(data["pulse_periods"]),
    }


def _row(obj, usernames, *, skip=()):
    """Every stored field of obj except those in skip: people by username, other relations by id."""
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in skip:
            continue
        value = field.value_from_object(obj)
        if field.is_relation and field.related_model is User:
            value = usernames.get(value)
        data[field.name] = _plain(value)
    return data


def _user_rows(usernames):
    profiles = {profile.user_id: profile for profile in Profile.objects.all()}
    rows = []
    for user in User.objects.order_by("username"):
        row = {name: _plain(getattr(user, name)) for name in USER_FIELDS}
        profile = profiles.get(user.pk)
        row["profile"] = _row(profile, usernames, skip=("id", "user")) if profile else None
        rows.append(row)
    return rows


def _plain(value):
    if isinstance(value, uuid.UUID):
        return str(value)
    # Dates and datetimes alike; isoformat keeps microseconds and the UTC offset, which JSON encoders may not.
    return value.isoformat() if isinstance(value, datetime.date) else value


def _team_rows():
    memberships = Membership.objects.select_related("user").order_by("user__username")
    rows = []
    for team in Team.objects.prefetch_related(Prefetch("memberships", memberships)).order_by("pk"):
        row = _row(team, {})
        row["members"] = [{"user": membership.user.username, "role": membership.role}
                          for membership in team.memberships.all()]
        rows.append(row)
    return rows


def _postmortem_rows(usernames, *, with_feedback):
    by_pk = {name: Prefetch(name, queryset=model.objects.order_by("pk")) for name, model in [
        ("timeline_events", TimelineEvent), ("factors", ContributingFactor), ("revisions", Revision),
        ("acknowledgements", BlameAcknowledgement),
    ]}
    items = ActionItem.objects.order_by("pk").prefetch_related(
        Prefetch("changes", queryset=ActionItemChange.objects.order_by("pk")))
    queryset = PostMortem.objects.order_by("pk").prefetch_related(
        "authors", "viewers", *by_pk.values(), Prefetch("action_items", queryset=items))
    if with_feedback:
        feedback_model, _ = _blamefeedback_models()
        queryset = queryset.prefetch_related(Prefetch("blame_feedback", feedback_model.objects.order_by("pk")))
    return [_postmortem_row(postmortem, usernames, with_feedback=with_feedback) for postmortem in queryset]


def _postmortem_row(postmortem, usernames, *, with_feedback):
    def children(related):
        return [_row(child, usernames, skip=("postmortem",)) for child in related.all()]

    # The search vector is derived from the texts: the importing database computes its own.
    row = _row(postmortem, usernames, skip=("search_vector",))
    # Related rows go under keys that no field of PostMortem has: "factors", not the contributing_factors section.
    row["authors"] = sorted(user.username for user in postmortem.authors.all())
    row["viewers"] = sorted(user.username for user in postmortem.viewers.all())
    row["timeline_events"] = children(postmortem.timeline_events)
    row["factors"] = children(postmortem.factors)
    row["action_items"] = [
        {**_row(item, usernames, skip=("postmortem",)),
         "changes": [_row(change, usernames, skip=("item",)) for change in item.changes.all()]}
        for item in postmortem.action_items.all()
    ]
    row["revisions"] = children(postmortem.revisions)
    row["blame_acknowledgements"] = children(postmortem.acknowledgements)
    row["blame_feedback"] = children(postmortem.blame_feedback) if with_feedback else []
    return row


def _near_miss_rows(usernames):
    """Every near-miss report with its theme ids, named reporters by username; anonymous ones store no reporter."""
    # By their random ids: the order says nothing about when an anonymous report came in.
    return [
        {**_row(near_miss, usernames), "themes": sorted(theme.pk for theme in near_miss.themes.all())}
        for near_miss in NearMiss.objects.order_by("pk").prefetch_related("themes")
    ]


def _question_set_rows(usernames):
    """Every version of every team's pulse questions, with its statements."""
    queryset = QuestionSet.objects.order_by("pk").prefetch_related(
        Prefetch("statements", queryset=Statement.objects.order_by("pk")))
    return [
        {**_row(question_set, usernames),
         "statements": [_row(statement, {}, skip=("question_set",)) for statement in question_set.statements.all()]}
        for question_set in queryset
    ]


def markdown_filename(postmortem):
    """`<id>-<slug>.md`: sorted by id, readable by title."""
    return f"{postmortem.pk}-{slugify(postmortem.title)[:60].strip('-') or 'postmortem'}.md"


def postmortem_markdown(postmortem):
    """The post-mortem as one Markdown document for people: title, facts, the guided sections, timeline, actions.

    The text goes in exactly as written: this file is Markdown for reading, not HTML for a browser.
    """
    guide = guides.guide_for(postmortem.kind)
    lines = [
        f"# {' '.join(postmortem.title.split())}",  # a heading is one line, whatever was typed
        "",
        f"- Team: {postmortem.team.name}",
        f"- Kind: {postmortem.get_kind_display()}, severity: {postmortem.get_severity_display()}, "
        f"status: {postmortem.get_status_display()}",
        f"- Started: {_when(postmortem.started_at)}, detected: {_when(postmortem.detected_at)}, "
        f"resolved: {_when(postmortem.resolved_at)}",
        f"- Authors: {', '.join(_name(user) for user in postmortem.authors.all()) or '—'}",
        f"- Version {postmortem.version}, created {_when(postmortem.created_at)}, "
        f"updated {_when(postmortem.updated_at)}",
        "",
    ]
    for name in PostMortem.SECTIONS:
        lines += [f"## {guide[name].label}", "", getattr(postmortem, name) or "_(empty)_", ""]
    lines += ["## Timeline", ""]
    lines += [f"- {_when(event.occurred_at)}: {event.description}" for event in postmortem.timeline_events.all()]
    lines += ["", "## Action items", ""]
    lines += [f"- [{'x' if item.is_closed else ' '}] {item.title} ({item.get_status_display()}; "
              f"owner {_name(item.owner) if item.owner else 'none'}; due {item.due_date or 'not set'})"
              for item in postmortem.action_items.all()]
    return "\n".join(lines).rstrip("\n") + "\n"


def _when(value):
    return value.isoformat() if value else "—"


def _name(user):
    return user.get_full_name() or user.username


# Import ----------------------------------------------------------------------------------------

def import_organisation(directory):
    """Restore an export into an empty database, all or nothing; return counts and the people kept as they were.

    Post-mortems and everything below them, near misses and pulse questions and periods keep their ids; shared
    themes already here are matched by name. People are matched by username: a superuser of this database with
    an exported username is kept as is. A version 1 export (before near misses and the pulse) reads as one with none.
    """
    data = read_export(directory)
    feedback_model, term_model = _blamefeedback_models()
    has_feedback = data["vocabulary_terms"] or any(row["blame_feedback"] for row in data["postmortems"])
    if has_feedback and feedback_model is None:
        raise ImportRefused("The export holds blame feedback or vocabulary, but blamefeedback is not installed.")
    with transaction.atomic():
        refuse_unless_empty()
        users, kept = _import_users(data["users"])
        _create(Team, [_instance(Team, row, users) for row in data["teams"]])
        _create(Membership, [
            Membership(team_id=row["id"], user_id=_user_id(users, member["user"]), role=member["role"])
            for row in data["teams"] for member in row["members"]
        ])
        themes = _import_themes(data["themes"])
        _import_postmortems(data["postmortems"], users, themes)
        if term_model is not None:
            _create(term_model, [_instance(term_model, row, users) for row in data["vocabulary_terms"]])
        _import_near_misses(data["near_misses"], users, themes)
        _import_pulse(data, users)
        _reset_sequences()
    return {"counts": export_counts(data), "kept_users": kept}


def read_export(directory):
    """The parsed organisation.json of an export directory, refused unless it is this format and version."""
    path = Path(directory) / DATA_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ImportRefused(f"{path} does not exist: point import_org at a directory written by export_org.") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportRefused(f"{path} is not valid JSON: {error}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportRefused(f"{path} is not a Debrief organisation export.")
    if data.get("format_version") not in READABLE_VERSIONS:
        raise ImportRefused(f"{path} has format version {data.get('format_version')!r}; "
                            f"this Debrief reads versions {' and '.join(map(str, READABLE_VERSIONS))}.")
    if data["format_version"] == 1:
        data = {**data, **{key: [] for key in ADDED_IN_VERSION_2}}
    return data


def refuse_unless_empty():
    """Raise ImportRefused unless the database holds no organisation yet (superusers and shared themes are fine)."""
    _, term_model = _blamefeedback_models()
    found = {
        "post-mortems": PostMortem.objects.count(),
        "near misses": NearMiss.objects.count(),
        "pulse settings": PulseSettings.objects.count(),
        "pulse question sets": QuestionSet.objects.count(),
        "pulse periods": Period.objects.count(),
        "pulse responses": Response.objects.count(),
        "teams": Team.objects.count(),
        "users who are not superusers": User.objects.filter(is_superuser=False).count(),
        "vocabulary terms": term_model.objects.count() if term_model else 0,
    }
    present = {what: number for what, number in found.items() if number}
    if present:
        raise ImportRefused(f"The database is not empty ({describe(present)}). import_org only restores into an "
                            "empty database: create a new one, run migrate, then import.")


def _instance(model, row, users, **values):
    """An unsaved model from an exported row: people by username, other relations and ids as stored.

    `values` (by attname, e.g. theme_id=…) override what the row says.
    """
    for field in model._meta.concrete_fields:
        if field.name not in row or field.attname in values:
            continue
        value = row[field.name]
        if field.is_relation and field.related_model is User:
            value = None if value is None else _user_id(users, value)
        elif not field.is_relation:
            value = field.to_python(value)
        values[field.attname] = value
    return model(**values)


def _user_id(users, username):
    try:
        return users[username]
    except KeyError:
        raise ImportRefused(f"The export refers to a user {username!r} it does not contain.") from None


def _create(model, objects):
    """bulk_create, then put back the times that auto_now fields stamped with now on insert."""
    stamped = [field.attname for field in model._meta.concrete_fields
               if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)]
    exported = [[getattr(obj, name) for name in stamped] for obj in objects]
    model.objects.bulk_create(objects, batch_size=500)
    if stamped and objects:
        for obj, values in zip(objects, exported):
            for name, value in zip(stamped, values):
                setattr(obj, name, value)
        model.objects.bulk_update(objects, stamped, batch_size=500)
    return objects


def _import_users(rows):
    """Create the exported people with unusable passwords; return username → id and the usernames kept as they were."""
    existing = dict(User.objects.filter(username__in=[row["username"] for row in rows]).values_list("username", "pk"))
    new_rows = [row for row in rows if row["username"] not in existing]
    new_users = _create(User, [
        _instance(User, {name: row.get(name) for name in USER_FIELDS if name in row}, {},
                  password=make_password(None))
        for row in new_rows
    ])
    users = {**existing, **{user.username: user.pk for user in new_users}}
    _create(Profile, [_instance(Profile, row["profile"], users, user_id=users[row["username"]])
                      for row in new_rows if row.get("profile")])
    return users, sorted(existing)


def _import_themes(rows):
    """Create the exported themes, reusing shared ones already here by name; return exported id → id here."""
    shared = dict(Theme.objects.filter(team=None).values_list("name", "pk"))
    taken = set(Theme.objects.values_list("pk", flat=True))
    ids = {}
    for row in rows:
        theme = _instance(Theme, row, {})
        if theme.team_id is None and theme.name in shared:
            theme.pk = shared[theme.name]
            theme.save()  # the export's description and active flag win
        elif theme.pk in taken:
            theme.pk = None
            theme.save()
        else:
            theme.save(force_insert=True)
        ids[row["id"]] = theme.pk
    return ids


def _import_postmortems(rows, users, themes):
    """Create the post-mortems with their ids, people, timeline, factors, actions, revisions and feedback."""
    pairs = list(zip(_create(PostMortem, [_instance(PostMortem, row, users) for row in rows]), rows))

    def children(model, key, **values):
        return _create(model, [_instance(model, child, users, postmortem_id=postmortem.pk, **values)
                               for postmortem, row in pairs for child in row[key]])

    for relation, key in [(PostMortem.authors, "authors"), (PostMortem.viewers, "viewers")]:
        _create(relation.through, [relation.through(postmortem_id=postmortem.pk, user_id=_user_id(users, username))
                                   for postmortem, row in pairs for username in row[key]])
    children(TimelineEvent, "timeline_events")
    _create(ContributingFactor, [
        _instance(ContributingFactor, factor, users, postmortem_id=postmortem.pk, theme_id=themes[factor["theme"]])
        for postmortem, row in pairs for factor in row["factors"]
    ])
    item_rows = [item for _, row in pairs for item in row["action_items"]]
    items = children(ActionItem, "action_items")
    _create(ActionItemChange, [_instance(ActionItemChange, change, users, item_id=item.pk)
                               for item, item_row in zip(items, item_rows) for change in item_row["changes"]])
    _create(Revision, [
        _instance(Revision, revision, users, postmortem_id=postmortem.pk,
                  snapshot=_snapshot_with_theme_ids(revision["snapshot"], themes))
        for postmortem, row in pairs for revision in row["revisions"]
    ])
    children(BlameAcknowledgement, "blame_acknowledgements")
    feedback_model, _ = _blamefeedback_models()
    if feedback_model is not None:
        children(feedback_model, "blame_feedback")
    search.update_search_vector([postmortem.pk for postmortem, _ in pairs])


def _import_near_misses(rows, users, themes):
    """Create the near-miss reports with their ids and themes; run after the post-mortems they were promoted to."""
    near_misses = _create(NearMiss, [_instance(NearMiss, row, users) for row in rows])
    through = NearMiss.themes.through
    _create(through, [through(nearmiss_id=near_miss.pk, theme_id=themes[theme])
                      for near_miss, row in zip(near_misses, rows) for theme in row["themes"]])


def _import_pulse(data, users):
    """Create the teams' pulse settings, question sets with their statements, and periods, with their ids."""
    _create(PulseSettings, [_instance(PulseSettings, row, users) for row in data["pulse_settings"]])
    _create(QuestionSet, [_instance(QuestionSet, row, users) for row in data["pulse_question_sets"]])
    _create(Statement, [_instance(Statement, statement, users, question_set_id=row["id"])
                        for row in data["pulse_question_sets"] for statement in row["statements"]])
    _create(Period, [_instance(Period, row, users) for row in data["pulse_periods"]])


def _snapshot_with_theme_ids(snapshot, themes):
    """A revision's snapshot with its factors' theme ids as imported.

    A theme deleted before the export maps to None, so restoring that revision drops the factor rather than
    tagging it with whichever theme has that id here.
    """
    if not isinstance(snapshot, dict) or "factors" not in snapshot:
        return snapshot
    factors = [{**factor, "theme_id": themes.get(factor.get("theme_id"))} for factor in snapshot["factors"]]
    return {**snapshot, "factors": factors}


def _reset_sequences():
    """Point each id sequence past the ids an import wrote, so the next row created gets a fresh one."""
    feedback_model, term_model = _blamefeedback_models()
    models = [Team, Theme, PostMortem, TimelineEvent, ContributingFactor, ActionItem, ActionItemChange, Revision,
              BlameAcknowledgement, PulseSettings, QuestionSet, Statement, Period,
              *(model for model in [feedback_model, term_model] if model)]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)


def _blamefeedback_models():
    """(BlameFeedback, VocabularyTerm) when the blamefeedback app is installed, else (None, None)."""
    if not apps.is_installed("blamefeedback"):
        return None, None
    return apps.get_model("blamefeedback", "BlameFeedback"), apps.get_model("blamefeedback", "VocabularyTerm")
