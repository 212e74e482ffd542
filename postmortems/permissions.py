"""Who may see and edit what: the one place these rules live.

Technical post-mortems are open to their team at every stage and to everyone
once published, because learning is shared. People post-mortems are restricted
at every stage to their authors, the team's leads and the people explicitly
added as viewers. Querysets (`PostMortem.objects.visible_to`) and object checks
below state the same rules, and tests assert both against one table.

Feedback on the blame-language check follows the post-mortem: its editors give it,
and the leads of its team review it, but only on incidents they may see.
"""
from django.db.models import Q

LEAD = "lead"


def _is_person(user):
    return user is not None and user.is_authenticated and user.is_active


def team_roles(user):
    """{team_id: role} for this person, cached on the user object for the request."""
    if not _is_person(user):
        return {}
    cached = getattr(user, "_debrief_team_roles", None)
    if cached is None:
        from postmortems.models import Membership

        cached = dict(Membership.objects.filter(user=user).values_list("team_id", "role"))
        user._debrief_team_roles = cached
    return cached


def lead_team_ids(user):
    return [team_id for team_id, role in team_roles(user).items() if role == LEAD]


# Queryset filters -------------------------------------------------------------

def _authored_ids(user):
    from postmortems.models import PostMortem

    return PostMortem.authors.through.objects.filter(user_id=user.pk).values("postmortem_id")


def _shared_ids(user):
    from postmortems.models import PostMortem

    return PostMortem.viewers.through.objects.filter(user_id=user.pk).values("postmortem_id")


def _visibility_q(user, *, kind, team, published, postmortem):
    """The read rule as a Q over whichever fields hold a post-mortem's kind, team, published state and id."""
    if not _is_person(user):
        return Q(pk__in=[])
    return _team_wide_q(user, kind=kind, team=team, published=published) | (
        Q(**{kind: "people"}) & _named_q(user, postmortem=postmortem)
    )


def _team_wide_q(user, *, kind, team, published):
    """The part of the read rule that goes by team: technical to members or once published, people to leads."""
    technical = Q(**{kind: "technical"}) & (Q(**{f"{team}__in": list(team_roles(user))}) | published)
    return technical | (Q(**{kind: "people"}) & Q(**{f"{team}__in": lead_team_ids(user)}))


def _named_q(user, *, postmortem):
    """The part that names single post-mortems: people incidents this person wrote or was shared on."""
    return Q(**{f"{postmortem}__in": _authored_ids(user)}) | Q(**{f"{postmortem}__in": _shared_ids(user)})


def tally_filter(user):
    """A Q over ThemeTally rows (per team, kind and published state) for the team-wide part of the rule.

    What it leaves out, people incidents read because the person wrote or was shared on
    them, is `named_tally_filter`: the two together are `visible_filter`.
    """
    if not _is_person(user):
        return Q(pk__in=[])
    return _team_wide_q(user, kind="kind", team="team_id", published=Q(published=True))


def named_tally_filter(user):
    """A Q over NamedThemeUse rows: people incidents this person may read only by name (not as a lead)."""
    if not _is_person(user):
        return Q(pk__in=[])
    return Q(user_id=user.pk) & ~Q(team_id__in=lead_team_ids(user))


def visible_filter(user):
    """A Q for the post-mortems this person may read (subqueries, so no duplicate rows)."""
    return _visibility_q(user, kind="kind", team="team_id", published=Q(status="published"), postmortem="pk")


def visible_item_filter(user):
    """A Q for the action items this person may read: those of post-mortems they may read.

    The same rule, read from the copies of the post-mortem's fields on the item's own row.
    """
    return _visibility_q(user, kind="postmortem_kind", team="postmortem_team_id",
                         published=Q(postmortem_published=True), postmortem="postmortem_id")


def editable_filter(user):
    """A Q for the post-mortems this person may change: authors and the team's leads."""
    if not _is_person(user):
        return Q(pk__in=[])
    return Q(pk__in=_authored_ids(user)) | Q(team_id__in=lead_team_ids(user))


# Object checks -----------------------------------------------------------------

def is_author(user, postmortem):
    if not _is_person(user) or postmortem.pk is None:
        return False
    return postmortem.authors.filter(pk=user.pk).exists()


def can_view(user, postmortem):
    if not _is_person(user):
        return False
    roles = team_roles(user)
    if postmortem.kind == "technical":
        return postmortem.team_id in roles or postmortem.status == "published"
    if roles.get(postmortem.team_id) == LEAD or is_author(user, postmortem):
        return True
    return postmortem.viewers.filter(pk=user.pk).exists()


def can_view_given(postmortem, *, roles, readable_restricted):
    """`can_view` answered from what the caller already read, for batches (the weekly digest).

    `roles` is the person's {team_id: role} and `readable_restricted` the ids of the people
    incidents they author or were added to as a viewer; the person is active.
    """
    if postmortem.kind == "technical":
        return postmortem.team_id in roles or postmortem.status == "published"
    if postmortem.kind == "people":
        return roles.get(postmortem.team_id) == LEAD or postmortem.pk in readable_restricted
    return False


def readers_of(postmortem):
    """Active people with an email address who may read `postmortem` (e.g. meeting invitees).

    `visible_filter` asked the other way round: which people for one post-mortem. Callers that
    act on a person still check `can_view`, which decides.
    """
    from django.contrib.auth import get_user_model

    from postmortems.models import Membership, PostMortem

    people = get_user_model().objects.filter(is_active=True).exclude(email="")
    if postmortem.kind == "technical":
        if postmortem.status == "published":
            return people
        return people.filter(pk__in=Membership.objects.filter(team_id=postmortem.team_id).values("user_id"))
    authors = PostMortem.authors.through.objects.filter(postmortem_id=postmortem.pk).values("user_id")
    viewers = PostMortem.viewers.through.objects.filter(postmortem_id=postmortem.pk).values("user_id")
    leads = Membership.objects.filter(team_id=postmortem.team_id, role=LEAD).values("user_id")
    return people.filter(Q(pk__in=authors) | Q(pk__in=viewers) | Q(pk__in=leads))


def can_edit(user, postmortem):
    if not _is_person(user):
        return False
    return team_roles(user).get(postmortem.team_id) == LEAD or is_author(user, postmortem)


def can_create_in(user, team):
    """Any member of a team may start a post-mortem for it."""
    return team.pk in team_roles(user)



# Blame-check feedback and vocabulary --------------------------------------------

def can_give_feedback(user, postmortem):
    """Whoever may edit a post-mortem may tell the blame check it got one of its sentences wrong."""
    return can_edit(user, postmortem)


def can_review_feedback(user):
    """Team leads review what authors told the blame check (for their own teams' post-mortems)."""
    return bool(lead_team_ids(user))


def can_review_feedback_on(user, postmortem):
    """The leads of a post-mortem's team accept or reject the feedback on it."""
    return _is_person(user) and team_roles(user).get(postmortem.team_id) == LEAD


def feedback_visible_filter(user):
    """A Q for the feedback on post-mortems this person may see (the rest is a 404 to them)."""
    from postmortems.models import PostMortem

    if not _is_person(user):
        return Q(pk__in=[])
    return Q(postmortem__in=PostMortem.objects.visible_to(user))


def feedback_review_filter(user):
    """A Q for the feedback this person reviews: on post-mortems they may see, of teams they lead."""
    return feedback_visible_filter(user) & Q(postmortem__team_id__in=lead_team_ids(user))


def can_edit_vocabulary(user):
    """Any team lead (and superusers) may change the organisation's blame-check vocabulary."""
    return _is_person(user) and (user.is_superuser or bool(lead_team_ids(user)))


# Near-miss reports (the nearmisses app) ----------------------------------------------
#
# A team's leads see and triage all of its near misses. Technical near misses are open to the
# team's members too; people near misses only to the leads, as people incidents are. A named
# reporter always sees their own report; an anonymous one is linked to nobody, so nobody sees it
# as theirs. Superusers get nothing extra here, as with post-mortems (the admin is theirs).

def near_miss_visible_filter(user):
    """A Q for the near misses this person may read."""
    if not _is_person(user):
        return Q(pk__in=[])
    technical = Q(kind="technical", team_id__in=list(team_roles(user)))
    own = Q(anonymous=False, reporter_id=user.pk)
    return Q(team_id__in=lead_team_ids(user)) | technical | own


def near_miss_triage_filter(user):
    """A Q for the near misses this person triages: every report of the teams they lead."""
    if not _is_person(user):
        return Q(pk__in=[])
    return Q(team_id__in=lead_team_ids(user))


def can_view_near_miss(user, near_miss):
    if not _is_person(user):
        return False
    role = team_roles(user).get(near_miss.team_id)
    if role == LEAD or (role is not None and near_miss.kind == "technical"):
        return True
    return not near_miss.anonymous and near_miss.reporter_id == user.pk


def can_triage_near_miss(user, near_miss):
    return _is_person(user) and team_roles(user).get(near_miss.team_id) == LEAD


def can_report_near_miss(user):
    """Anyone in a team may report a near miss for one of their teams."""
    return bool(team_roles(user))


# Team pulse (the pulse app) ----------------------------------------------------------
#
# A team's members (leads included) answer its pulse and see its scores; only its leads read
# the comments and change the questions and the schedule. Nobody else learns the pulse exists.
# Which figures may be shown at all (the anonymity threshold) is decided in `pulse.results`.

def can_see_pulse(user, team):
    """Members and leads of the team: they answer and see the scores."""
    return team.pk in team_roles(user)


def can_lead_pulse(user, team):
    """The team's leads: comments, questions and settings."""
    return team_roles(user).get(team.pk) == LEAD


def pulse_team_ids(user):
    """The ids of the teams whose pulse this person takes part in."""
    return list(team_roles(user))
