"""How often each theme is named, per reader, without counting every factor ever written.

The themes page shows, for each theme, the contributing factors naming it on the
post-mortems the reader may open. Counting those factors directly tests every factor
against the reader's visibility: at 100,000 post-mortems, a quarter of a million rows
per page view. Instead the counts are kept in two parts that together are the read rule
of permissions.py:

- ThemeTally: factors per theme, team, kind and published state, the part of the rule
  that goes by team (technical incidents of the reader's teams or published, people
  incidents of the teams they lead), and the incidents those factors are on (an incident
  naming a theme twice counts once). Change rows of +n and -n, summed on read.
- NamedThemeUse: per people incident, the factors per theme for each person named on
  it (author or viewer), rewritten whole whenever that incident changes. A reader's
  rows outside the teams they lead are the rest of the rule; each row is one incident.

The incident counts give the post-mortem list filtered by a theme its count of matches
(`incidents_for`) without reading every incident of the theme.

Kept current by ContributingFactor.save, its queryset's bulk_create, delete receivers
(cascades included), PostMortem.save and changes to authors and viewers (apps.py);
`manage.py rebuild_theme_tallies` recounts both after SQL run around the app, and
`compact` folds ThemeTally's change rows.
"""
from collections import Counter

from django.db import connection, transaction
from django.db.models import Count, Sum

from postmortems import permissions
from postmortems.models import ContributingFactor, NamedThemeUse, PostMortem, ThemeTally


def _key(team_id, kind, status):
    return (team_id, kind, status == PostMortem.Status.PUBLISHED)


def _record(changes, incidents=()):
    """Append one row per (theme, team, kind, published) whose factor or incident count changed."""
    incidents = Counter(incidents)
    rows = [ThemeTally(theme_id=theme_id, team_id=team_id, kind=kind, published=published,
                       uses=changes.get(key, 0), incidents=incidents.get(key, 0))
            for key in sorted(set(changes) | set(incidents)) if changes.get(key) or incidents.get(key)
            for theme_id, team_id, kind, published in [key]]
    ThemeTally.objects.bulk_create(rows)


def _factors_per_pair(pairs):
    """{(post-mortem, theme): factors stored now} for these pairs (absent: none).

    Read after `_keys_of` has locked the post-mortems, so a concurrent change to the same
    incident has committed and is counted: whether an incident starts or stops naming a
    theme is decided on the rows as they are, not as this transaction first saw them.
    """
    pairs = set(pairs)
    if not pairs:
        return {}
    rows = (ContributingFactor.objects.order_by()
            .filter(postmortem_id__in={p for p, _ in pairs}, theme_id__in={t for _, t in pairs})
            .values_list("postmortem_id", "theme_id").annotate(n=Count("pk")))
    return {(p, t): n for p, t, n in rows if (p, t) in pairs}


def _locked(queryset, **options):
    """The rows locked until the transaction ends; in autocommit there is nothing to hold a lock for."""
    if transaction.get_connection().in_atomic_block:
        return queryset.select_for_update(**options)
    return queryset


def _keys_of(postmortem_ids):
    # Waits for a concurrent move, re-kind or publish of these post-mortems to commit, then reads
    # its result: otherwise a factor added meanwhile would be counted under the old key.
    rows = _locked(PostMortem.objects.filter(pk__in=postmortem_ids).order_by("pk"), no_key=True)
    return {pk: _key(team_id, kind, status) for pk, team_id, kind, status in
            rows.values_list("pk", "team_id", "kind", "status")}


# Write paths -------------------------------------------------------------------

def factors_added(factors):
    keys = _keys_of({factor.postmortem_id for factor in factors})
    changes, added = Counter(), Counter()
    for factor in factors:
        if factor.postmortem_id in keys:
            changes[(factor.theme_id, *keys[factor.postmortem_id])] += 1
            added[(factor.postmortem_id, factor.theme_id)] += 1
    # An incident newly names a theme when the factors just added are all it has of it.
    stored = _factors_per_pair(added)
    incidents = Counter((theme_id, *keys[postmortem_id]) for (postmortem_id, theme_id), n in added.items()
                        if stored.get((postmortem_id, theme_id), 0) == n)
    _record(changes, incidents)
    refresh_named(pk for pk, (_, kind, _) in keys.items() if kind == PostMortem.Kind.PEOPLE)


def factor_saved(factor, *, adding, before):
    """`before` is the (post-mortem, theme) the factor had when loaded, or None if unknown."""
    if adding:
        factors_added([factor])
        return
    if before is None or None in before or before == (factor.postmortem_id, factor.theme_id):
        return
    # A theme changed, or (in the admin) the factor moved to another post-mortem: one use moves.
    old_postmortem, old_theme = before
    keys = _keys_of({old_postmortem, factor.postmortem_id})
    old, new = (old_postmortem, old_theme), (factor.postmortem_id, factor.theme_id)
    stored = _factors_per_pair([old, new])
    changes, incidents = Counter(), Counter()
    if old_postmortem in keys:
        changes[(old_theme, *keys[old_postmortem])] -= 1
        if not stored.get(old):  # that was the incident's last factor naming the old theme
            incidents[(old_theme, *keys[old_postmortem])] -= 1
    if factor.postmortem_id in keys:
        changes[(factor.theme_id, *keys[factor.postmortem_id])] += 1
        if stored.get(new) == 1:  # its first factor naming the new theme
            incidents[(factor.theme_id, *keys[factor.postmortem_id])] += 1
    _record(changes, incidents)
    refresh_named(pk for pk, (_, kind, _) in keys.items() if kind == PostMortem.Kind.PEOPLE)


def factor_deleted(sender, instance, origin=None, **kwargs):
    """pre_delete receiver: the post-mortem still exists, even when its deletion cascades here."""
    # The row as stored, locked: the instance may hold unsaved edits (the editor cleans a row
    # marked for deletion, theme change included), and a second delete of the same row must
    # not subtract twice.
    stored = _locked(ContributingFactor.objects.filter(pk=instance.pk)).values_list("postmortem_id", "theme_id").first()
    if stored is None:
        return
    postmortem_id, theme_id = stored
    key = _keys_of([postmortem_id]).get(postmortem_id)
    if key:
        incidents = _incident_left(_deletion(origin, instance), instance.pk, (postmortem_id, theme_id), (theme_id, *key))
        _record(Counter({(theme_id, *key): -1}), incidents)


def _deletion(origin, instance):
    # Not `origin or instance`: a queryset's truth value would run it.
    return instance if origin is None else origin


def _incident_left(deletion, pk, pair, key):
    """{key: -1} when this deletion takes the last of the incident's factors naming the theme.

    One deletion (a post-mortem's cascade, a queryset's delete) can take several factors of
    the same incident and theme, and sends every pre_delete before deleting any row: each
    sees them all still stored. So the deletion (`origin`) keeps, per pair, how many factors
    were stored when it first looked, how many it has taken since, and how many are still
    to be deleted (`_deletion_done` forgets the pair once they are); the incident stops
    naming the theme when it has taken them all.
    """
    taken = deletion.__dict__.setdefault("_theme_tally_taken", {})
    pairs = deletion.__dict__.setdefault("_theme_tally_pairs", {})
    if pk in pairs:
        # This object's earlier deletion of the row never finished (it failed and was rolled
        # back, its tally rows with it): start afresh.
        taken.clear()
        pairs.clear()
    pairs[pk] = pair
    if pair not in taken:
        taken[pair] = {"stored": _factors_per_pair([pair]).get(pair, 0), "taken": 0, "pending": 0}
    entry = taken[pair]
    entry["taken"] += 1
    entry["pending"] += 1
    return Counter({key: -1}) if entry["taken"] == entry["stored"] else Counter()


def _deletion_done(deletion, pk):
    """post_delete: a deletion counted in `_incident_left` is done with this row."""
    pair = deletion.__dict__.get("_theme_tally_pairs", {}).pop(pk, None)
    if pair is None:
        return
    taken = deletion.__dict__["_theme_tally_taken"]
    taken[pair]["pending"] -= 1
    if not taken[pair]["pending"]:
        del taken[pair]  # the same object deleting again later starts afresh


def factor_gone(sender, instance, origin=None, **kwargs):
    """post_delete receiver: a people incident's named rows, recounted without the factor.

    Not when the whole post-mortem is being deleted: its named rows go with it.
    """
    _deletion_done(_deletion(origin, instance), instance.pk)
    if isinstance(origin, PostMortem) or getattr(origin, "model", None) is PostMortem:
        return
    refresh_named(PostMortem.objects.filter(pk=instance.postmortem_id, kind=PostMortem.Kind.PEOPLE)
                  .values_list("pk", flat=True))


def postmortem_moved(postmortem, *, before, after):
    """Move a post-mortem's factors from its old (team, kind, published) to its new one.

    `before` and `after` are (team_id, kind, status) as PostMortem.save tracks them.
    """
    if None in before or None in after:
        return
    old, new = _key(*before), _key(*after)
    if old == new:
        return
    changes, incidents = Counter(), Counter()
    uses = ContributingFactor.objects.filter(postmortem=postmortem).values("theme_id").annotate(n=Count("pk"))
    for row in uses.order_by():
        changes[(row["theme_id"], *old)] -= row["n"]
        changes[(row["theme_id"], *new)] += row["n"]
        incidents[(row["theme_id"], *old)] -= 1
        incidents[(row["theme_id"], *new)] += 1
    _record(changes, incidents)
    if old[:2] != new[:2] and PostMortem.Kind.PEOPLE in (old[1], new[1]):
        refresh_named([postmortem.pk])


def named_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """m2m_changed receiver for authors and viewers: who is named on an incident changed."""
    if action == "pre_clear" and reverse:
        # Clearing from the person's side names no incidents afterwards: remember which.
        instance._named_before_clear = list(sender.objects.filter(user_id=instance.pk)
                                            .values_list("postmortem_id", flat=True))
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        if instance.kind == PostMortem.Kind.PEOPLE:
            refresh_named([instance.pk])
    elif action == "post_clear":
        refresh_named(getattr(instance, "_named_before_clear", []))
    else:
        refresh_named(pk_set or [])


def refresh_named(postmortem_ids):
    """Rewrite the NamedThemeUse rows of these post-mortems from their factors, authors and viewers."""
    ids = sorted(set(postmortem_ids))
    if not ids:
        return
    # One rewrite of an incident at a time: two interleaved ones could keep a removed viewer's rows.
    list(_locked(PostMortem.objects.filter(pk__in=ids).order_by("pk"), no_key=True).values_list("pk"))
    NamedThemeUse.objects.filter(postmortem_id__in=ids).delete()
    rows = [NamedThemeUse(postmortem_id=postmortem_id, user_id=user_id, theme_id=theme_id, team_id=team_id, uses=n)
            for (postmortem_id, user_id, theme_id, team_id), n in sorted(_named_counts(pk__in=ids).items())]
    # Should two writers still meet here (autocommit takes no lock), the later rows win instead of
    # failing the save.
    NamedThemeUse.objects.bulk_create(rows, update_conflicts=True, unique_fields=["postmortem", "user", "theme"],
                                      update_fields=["team", "uses"])


def _named_counts(**postmortems):
    """{(post-mortem, person, theme, team): factors} for the people incidents matching `postmortems`."""
    people = PostMortem.objects.filter(kind=PostMortem.Kind.PEOPLE, **postmortems)
    named = {}
    for relation in (PostMortem.authors, PostMortem.viewers):
        pairs = relation.through.objects.filter(postmortem__in=people).values_list("postmortem_id", "user_id")
        for postmortem_id, user_id in pairs:
            named.setdefault(postmortem_id, set()).add(user_id)
    uses = (ContributingFactor.objects.filter(postmortem__in=people).order_by()
            .values_list("postmortem_id", "theme_id", "postmortem__team_id").annotate(n=Count("pk")))
    return {(postmortem_id, user_id, theme_id, team_id): n
            for postmortem_id, theme_id, team_id, n in uses for user_id in named.get(postmortem_id, ())}


# Reading -----------------------------------------------------------------------

def uses_for(user, themes):
    """{theme_id: factors naming it on post-mortems this person may read} (permissions.visible_filter)."""
    counts = Counter()
    rows = ThemeTally.objects.filter(permissions.tally_filter(user), theme__in=themes).values("theme_id")
    for row in rows.order_by().annotate(n=Sum("uses")):
        counts[row["theme_id"]] += row["n"]
    # People incidents they wrote or were shared on, in teams they do not lead: their own rows.
    rows = NamedThemeUse.objects.filter(permissions.named_tally_filter(user), theme__in=themes).values("theme_id")
    for row in rows.order_by().annotate(n=Sum("uses")):
        counts[row["theme_id"]] += row["n"]
    return {theme_id: n for theme_id, n in counts.items() if n}


def incidents_for(user, theme):
    """How many post-mortems this person may read have a factor naming `theme`.

    The count of the post-mortem list filtered by that theme alone, from the reader's tally
    rows instead of every incident naming the theme (tens of thousands at 100,000 incidents).
    A named reader's row is one incident: NamedThemeUse keeps one per incident and theme.
    """
    shared = (ThemeTally.objects.filter(permissions.tally_filter(user), theme=theme).order_by()
              .aggregate(n=Sum("incidents"))["n"])
    return (shared or 0) + NamedThemeUse.objects.filter(permissions.named_tally_filter(user), theme=theme).count()


# Upkeep ------------------------------------------------------------------------

def true_counts():
    """{(theme, team, kind, published): factors} counted from the factors themselves."""
    rows = (
        ContributingFactor.objects.order_by()
        .values("theme_id", "postmortem__team_id", "postmortem__kind", "postmortem__status")
        .annotate(n=Count("pk"))
    )
    counts = Counter()
    for row in rows:
        key = _key(row["postmortem__team_id"], row["postmortem__kind"], row["postmortem__status"])
        counts[(row["theme_id"], *key)] += row["n"]
    return counts


def true_incidents():
    """{(theme, team, kind, published): incidents with a factor naming the theme}, from the factors."""
    pairs = (
        ContributingFactor.objects.order_by()
        .values_list("theme_id", "postmortem_id", "postmortem__team_id", "postmortem__kind", "postmortem__status")
        .distinct()
    )
    return Counter((theme_id, *_key(team_id, kind, status)) for theme_id, _, team_id, kind, status in pairs)


def tallied_counts(field="uses"):
    """{(theme, team, kind, published): summed `field`} ("uses" or "incidents") over the tally rows."""
    rows = ThemeTally.objects.order_by().values("theme_id", "team_id", "kind", "published").annotate(n=Sum(field))
    counts = Counter({(r["theme_id"], r["team_id"], r["kind"], r["published"]): r["n"] for r in rows})
    return Counter({key: n for key, n in counts.items() if n})  # zero is no count; below zero is drift to report


def _lock():
    # On PostgreSQL, writers wait while the rows are replaced, and two replacements take turns,
    # so no change is folded twice or lost. SQLite allows one writer at a time anyway.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {ThemeTally._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")


def compact():
    """Fold the change rows into one row per key; returns how many rows there are now."""
    with transaction.atomic():
        _lock()
        counts, incidents = tallied_counts(), tallied_counts("incidents")
        ThemeTally.objects.all().delete()
        _record(counts, incidents)
    return len(counts.keys() | incidents.keys())


def true_named():
    """{(post-mortem, person, theme, team): factors} for every people incident, from the factors."""
    return _named_counts()


def stored_named():
    rows = NamedThemeUse.objects.values_list("postmortem_id", "user_id", "theme_id", "team_id", "uses")
    return {tuple(row[:4]): row[4] for row in rows}


def rebuild():
    """Recount every theme from the factors; returns how many counts changed."""
    with transaction.atomic():
        _lock()
        counts, before = +true_counts(), tallied_counts()
        incidents, incidents_before = true_incidents(), tallied_counts("incidents")
        ThemeTally.objects.all().delete()
        _record(counts, incidents)
        named, named_before = true_named(), stored_named()
        NamedThemeUse.objects.all().delete()
        NamedThemeUse.objects.bulk_create(
            NamedThemeUse(postmortem_id=postmortem_id, user_id=user_id, theme_id=theme_id, team_id=team_id, uses=n)
            for (postmortem_id, user_id, theme_id, team_id), n in named.items()
        )
    return (len(_differences(counts, before)) + len(_differences(incidents, incidents_before))
            + len(_differences(named, named_before)))


def _differences(right, stored):
    return sorted(key for key in right.keys() | stored.keys() if right.get(key, 0) != stored.get(key, 0))


def stale_keys():
    """The counts that disagree with the factors: (theme, team, kind, published), once for factors
    and once for incidents, and (post-mortem, person, theme, team)."""
    return (_differences(+true_counts(), tallied_counts())
            + [("incidents", *key) for key in _differences(true_incidents(), tallied_counts("incidents"))]
            + _differences(true_named(), stored_named()))
