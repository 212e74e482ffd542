"""Demo pulse history and near misses for `manage.py seed_demo`, on top of `postmortems.demo_content`.

The story a newcomer should see in the first minute: over the last five weeks Platform's pulse
on workload and on-call slid below its usual range, its near misses about noisy alerts rose,
and then a people incident was written up ("A migration deadline stretched Platform thin").
Signing in as samira (Platform's lead) the trends page opens on those signals.

The rest is there for contrast: Customer Support has six steady months of pulse; People Ops
started its pulse three weeks ago and, with three people, never reaches the anonymity
threshold, so it shows "Not enough responses yet"; Payments has no pulse yet.

Pulse results need at least five responses a period, so Customer Support and Platform get a
few more demo people (EXTRA_PEOPLE) who only answer the pulse. Responses are stored as the pulse stores
them: no person, a random key hash; `Participation` rows say only who answered.
All text here was written for Debrief's demo.
"""
import hashlib
import math
import random
from datetime import timedelta, timezone as dt_timezone

from django.contrib.auth import get_user_model
from django.utils import timezone

from nearmisses.models import NearMiss
from postmortems import demo_content, search
from postmortems.models import (
    ActionItem, ContributingFactor, Membership, PostMortem, Profile, Revision, Team, Theme, TimelineEvent,
)
from postmortems.revisions import record_revision
from pulse import questions
from pulse.models import Answer, Participation, Period, PulseSettings, QuestionSet, Response

WEEKS = 26
# (username, first name, last name, time zone, team slug): they answer the pulse and nothing else.
EXTRA_PEOPLE = [
    ("ines", "Inês", "Carvalho", "Europe/Lisbon", "customer-support"),
    ("tariq", "Tariq", "Aziz", "Asia/Dubai", "customer-support"),
    ("chloe", "Chloé", "Martin", "America/Toronto", "customer-support"),
    ("bongani", "Bongani", "Dlamini", "Africa/Johannesburg", "platform"),
    ("yuki", "Yuki", "Sato", "Asia/Tokyo", "platform"),
    ("erik", "Erik", "Lund", "Europe/Stockholm", "platform"),
    ("nadia", "Nadia", "Petrova", "Europe/Sofia", "platform"),
]
# Spread of individual scores around a period's mean: symmetric, so the mean stays where it is
# meant to be and the standard error is what a real team's would be (about 0.3 with six answers).
OFFSETS = [-1.0, 1.0, -0.5, 0.5, 0.0, 0.0, -1.0, 1.0]

# Platform's slide, oldest first, for the statements at these positions (1: workload, 4: on-call);
# the weeks before it hover around 3.9. The people incident follows about a week after the end.
DRIFT = {1: [3.7, 3.2, 2.8, 2.6, 2.5], 4: [3.6, 3.1, 2.7, 2.5, 2.4]}
STEADY_MEAN = {"customer-support": 4.0, "platform": 3.9, "people-ops": 3.8}
PEOPLE_OPS_WEEKS = 3


def extra_usernames():
    return [person[0] for person in EXTRA_PEOPLE]


def delete_demo_data():
    """Delete the demo teams' pulse and near misses and the pulse-only people; return how many of each.

    Before `demo_content.delete_demo_data`: a period's answers protect its questions (PROTECT), so
    a team with a pulse cannot be deleted until they are gone; children go before parents.
    """
    teams = Team.objects.filter(demo_content.demo_teams_q())
    near_misses, _ = NearMiss.objects.filter(team__in=teams).delete()
    responses = Response.objects.filter(team__in=teams)
    Answer.objects.filter(response__in=responses).delete()
    response_count, _ = responses.delete()
    Period.objects.filter(team__in=teams).delete()
    QuestionSet.objects.filter(team__in=teams).delete()
    get_user_model().objects.filter(
        username__in=extra_usernames(), email__iendswith=f"@{demo_content.DEMO_DOMAIN}",
    ).delete()
    return {"near misses": near_misses, "pulse responses": response_count}


def seed(*, seed=demo_content.DEFAULT_SEED, now=None):
    """Add the pulse history, near misses and the drifting team's people incident; return {"counts": ...}."""
    rng, now = random.Random(seed + 12), now or timezone.now()
    teams = {team.slug: team for team in Team.objects.filter(slug__in=list(demo_content.TEAMS))}
    users = {user.username: user for user in get_user_model().objects.filter(
        username__in=[*demo_content.demo_usernames()])}
    users.update(create_pulse_people(users, teams))
    themes = {theme.name: theme for theme in Theme.objects.filter(team__isnull=True) | Theme.objects.filter(
        team__in=teams.values())}
    responses = seed_pulse(rng, now, teams, users)
    near_misses = seed_near_misses(rng, now, teams, users, themes)
    add_drift_incident(rng, now, teams["platform"], users, themes)
    return {"counts": {"pulse responses": responses, "near misses": near_misses,
                       "pulse-only people": len(EXTRA_PEOPLE)}}


def create_pulse_people(users, teams):
    """The extra members who make Customer Support and Platform big enough for anonymous results."""
    User = get_user_model()
    password = users["priya"].password  # the demo's one hash: hashing again would be slow for nothing
    created = User.objects.bulk_create(
        User(username=username, first_name=first, last_name=last, password=password,
             email=f"{username}@{demo_content.DEMO_DOMAIN}")
        for username, first, last, _, _ in EXTRA_PEOPLE
    )
    by_username = {user.username: user for user in User.objects.filter(pk__in=[user.pk for user in created])}
    zones = {person[0]: person[3] for person in EXTRA_PEOPLE}
    Profile.objects.bulk_create(Profile(user=user, timezone=zones[name]) for name, user in by_username.items())
    Membership.objects.bulk_create(
        Membership(team=teams[slug], user=by_username[username]) for username, _, _, _, slug in EXTRA_PEOPLE
    )
    return by_username


# Pulse ---------------------------------------------------------------------------------------

def week_starts(now, weeks):
    """The Mondays of the `weeks` whole weeks before the current one (UTC), oldest first."""
    today = now.astimezone(dt_timezone.utc).date()
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=back) for back in range(weeks, 0, -1)]


def planned_means(rng, slug, position, weeks):
    """The mean each week is meant to have for one statement, oldest first."""
    steady = STEADY_MEAN[slug] + (0.1 if position in (2, 3) else 0.0)
    means = [steady + rng.uniform(-0.1, 0.1) for _ in range(weeks)]
    if slug == "platform" and position in DRIFT:
        means[-len(DRIFT[position]):] = DRIFT[position]
    return means


def scores_around(mean, count, rng):
    """`count` whole scores from 1 to 5 spread around `mean`, nudged so their average is as near it as can be."""
    offsets = (OFFSETS * 2)[:count]
    rng.shuffle(offsets)
    scores = [min(5, max(1, math.floor(mean + offset + 0.5))) for offset in offsets]
    wanted = round(mean * count)
    index = 0
    while sum(scores) != wanted and index < 10 * count:
        step = 1 if sum(scores) < wanted else -1
        position = index % count
        if 1 <= scores[position] + step <= 5:
            scores[position] += step
        index += 1
    return scores


def team_members(team):
    return list(Membership.objects.filter(team=team).select_related("user").order_by("user__username"))


def seed_pulse(rng, now, teams, users):
    """Weekly pulses: six months for Customer Support and Platform, three short weeks for People Ops."""
    count = 0
    for slug, weeks in (("customer-support", WEEKS), ("platform", WEEKS), ("people-ops", PEOPLE_OPS_WEEKS)):
        team = teams[slug]
        PulseSettings.objects.update_or_create(team=team, defaults={"enabled": True})
        question_set = questions.current_set(team)
        QuestionSet.objects.filter(pk=question_set.pk).update(created_at=now - timedelta(weeks=weeks + 1))
        statements = list(question_set.statements.all())
        members = [membership.user for membership in team_members(team)]
        starts = week_starts(now, weeks)
        plans = {statement.pk: planned_means(rng, slug, statement.position, weeks) for statement in statements}
        Period.objects.bulk_create(
            Period(team=team, start=start, end=start + timedelta(days=7), question_set=question_set)
            for start in starts
        )
        for index, start in enumerate(starts):
            # Most of the team answers most weeks; People Ops, with three people, never reaches five.
            answering = rng.sample(members, max(len(members) - rng.choice([0, 0, 1, 2]), min(len(members), 5)))
            count += store_period(rng, team, question_set, start, answering,
                                  {pk: means[index] for pk, means in plans.items()})
    return count


def store_period(rng, team, question_set, start, answering, means):
    """One closed period's responses (naming nobody) and the participations (naming only who answered)."""
    Participation.objects.bulk_create(Participation(person=person, team=team, period_start=start)
                                      for person in answering)
    responses = Response.objects.bulk_create(
        Response(team=team, period_start=start, question_set=question_set,
                 key_hash=hashlib.sha256(rng.randbytes(32)).hexdigest())
        for _ in answering
    )
    answers = []
    for statement_id, mean in means.items():
        for response, score in zip(responses, scores_around(mean, len(responses), rng)):
            answers.append(Answer(response=response, statement_id=statement_id, score=score))
    Answer.objects.bulk_create(answers)
    return len(responses)


# Near misses ----------------------------------------------------------------------------------

# (team, kind, theme, days ago, status, what happened, what stopped it, what could make it likelier)
NEAR_MISSES = [
    ("platform", "technical", demo_content.ALERTS, 3, "acknowledged",
     "A disk-space page for the build cache fired eleven times overnight and was snoozed each time.",
     "The morning on-call scrolled past the snoozes and noticed the volume was at 97%.",
     "Another noisy night: by the eleventh page nobody reads the text any more."),
    ("platform", "technical", demo_content.ALERTS, 8, "acknowledged",
     "The replica-lag alert was muted for a maintenance window and stayed muted two days after it.",
     "A dashboard review showed a flat line where the lag graph should have been.",
     "Mutes that never expire, and more of them each week."),
    ("platform", "technical", demo_content.ALERTS, 13, "acknowledged",
     "A certificate-expiry warning went to a channel that was archived last quarter.",
     "Someone renewing a different certificate saw the date in the same list.",
     "Alerts routed by channel name rather than by owning team."),
    ("platform", "technical", demo_content.ALERTS, 20, "acknowledged",
     "The queue-depth page was acknowledged from a phone and forgotten while the backlog kept growing.",
     "The backlog drained by itself when the nightly batch finished early.",
     "Acknowledging is one tap; following up is not tracked anywhere."),
    ("platform", "technical", demo_content.ALERTS, 47, "acknowledged",
     "Two alerts for the same failing health check paged two different people at once.",
     "They found each other in the incident channel within a few minutes.",
     "Duplicate alert rules left over from the monitoring migration."),
    ("platform", "people", demo_content.OVERLOAD, 6, "new",
     "The same two people were the only ones able to approve database changes during the migration week.",
     "One of them postponed leave to cover the last approvals.",
     "A second migration with the same deadline and the same two approvers."),
    ("payments", "technical", demo_content.PROVIDER, 15, "acknowledged",
     "A refund was sent twice to the provider after a timeout, but the provider kept only the first.",
     "The provider's idempotency key matched and the second request was rejected.",
     "A client library upgrade that changes how idempotency keys are generated."),
    ("payments", "technical", demo_content.CHANGE, 64, "acknowledged",
     "A feature flag for the new checkout page was switched on in production instead of staging.",
     "The flag had a 1% rollout by default and the error rate stayed flat.",
     "Both environments are listed on one screen of the flag tool with the same colours."),
    ("payments", "technical", demo_content.CAPACITY, 110, "acknowledged",
     "Month-end payout batches came within 5% of the database connection limit.",
     "The batch finished before the afternoon traffic peak.",
     "A month-end falling on a Monday, when traffic peaks in the morning."),
    ("customer-support", "technical", demo_content.DEPENDENCY, 33, "acknowledged",
     "The chat widget's vendor announced a breaking change to their embed script in a newsletter.",
     "An agent who reads the newsletter mentioned it in stand-up a week before the change.",
     "Nobody owns reading vendor announcements."),
    ("customer-support", "people", demo_content.COMMS, 80, "acknowledged",
     "A customer complaint about an agent's tone was forwarded to a shared mailbox instead of the team lead.",
     "The lead happened to check the shared mailbox during a quiet afternoon.",
     "No written route for complaints about the team itself."),
    ("customer-support", "technical", demo_content.CHANGE, 140, "dismissed",
     "A help-centre article was edited while the new version of the page was still in review.",
     "The review tool showed the conflict before publishing.",
     "Two editors working on the same article."),
    ("people-ops", "technical", demo_content.CHANGE, 52, "acknowledged",
     "The payroll export ran with last month's tax table after a spreadsheet was copied forward.",
     "The totals check in the export flagged a difference before anything was paid.",
     "Copying last month's file as the starting point for this month."),
    ("people-ops", "people", demo_content.HANDOFF, 25, "new",
     "A new joiner's first-day plan was in the inbox of a coordinator who was on leave.",
     "The new joiner's team lead asked for it the evening before.",
     "Leave without an agreed hand-over of the onboarding calendar."),
]
DISMISS_REASON = "Caught by the review tool as designed; nothing to change."


def seed_near_misses(rng, now, teams, users, themes):
    """The near misses above, reported and triaged on their days; half of them anonymous."""
    today = now.astimezone(dt_timezone.utc).date()
    created = []
    for slug, kind, theme, days_ago, status, happened, stopped, likelier in NEAR_MISSES:
        team = teams[slug]
        lead = users[demo_content.TEAMS[slug][2]]
        reporter = users[rng.choice(demo_content.TEAMS[slug][3])]
        anonymous = rng.random() < 0.5 or kind == "people"
        reported_at = now - timedelta(days=days_ago, hours=rng.uniform(0, 8))
        near_miss = NearMiss.objects.create(
            team=team, kind=kind, what_happened=happened, what_stopped_it=stopped, likelier_next_time=likelier,
            anonymous=anonymous, reporter=None if anonymous else reporter,
            reported_on=today - timedelta(days=days_ago), reported_at=None if anonymous else reported_at,
            status=status, dismiss_reason=DISMISS_REASON if status == "dismissed" else "",
            triaged_by=None if status == "new" else lead,
            triaged_at=None if status == "new" else min(reported_at + timedelta(hours=20), now),
        )
        if status == "acknowledged":
            near_miss.themes.set([themes[theme]])
        created.append(near_miss)
    return len(created)


# The people incident the pulse warned of ---------------------------------------------------------

DRIFT_SCENARIO = demo_content.Scenario(
    "platform", demo_content.P, 3, "A migration deadline stretched Platform thin",
    "For the five weeks before the database migration deadline the Platform team carried the migration, its "
    "usual on-call rota and a backlog of alert noise at once. Planned time off was moved, evenings went to "
    "rehearsals, and by the cut-over week two people said they were running on empty. This review looks at "
    "how the plan left no slack, not at anyone's choices within it.",
    "- About 12 extra hours a week each for three people over five weeks\n- Two postponed holidays\n"
    "- The team's pulse on workload and on-call fell below its usual range three weeks before anyone raised it",
    "Migration deadline set with the vendor, with the rehearsal plan still unwritten.",
    "At the retrospective after the cut-over, two engineers say the last month was not sustainable.",
    "Deadline-driven work now gets an explicit on-call swap and a scope review at the halfway point.",
    35 * demo_content.DAY, 36 * demo_content.DAY,
    [(demo_content.OVERLOAD, "The migration needed the same people who hold the on-call rota, and nothing was "
                             "taken off their plate."),
     (demo_content.ALERTS, "Noisy alerts took the time that would otherwise have been slack."),
     (demo_content.CHANGE, "The deadline was agreed before the rehearsal plan showed how much work it was.")],
    [("Take people working on a fixed-deadline migration off the on-call rota for its duration", "high"),
     ("Review scope and staffing halfway to any externally agreed deadline", "medium"),
     ("Bring the team's pulse results to the weekly planning meeting", "low")],
    events=["The lead reads six weeks of pulse results with the team: workload and on-call had been below "
            "their usual range for three weeks."],
    well="People said it plainly at the retrospective, and the lead scheduled this review the same day.",
    lesson="A team's pulse moved weeks before the team said anything: it is worth reading in planning.",
)


def add_drift_incident(rng, now, team, users, themes):
    """Platform's people incident, resolved a week ago and in review, written up by its lead."""
    scenario = DRIFT_SCENARIO
    lead = users[demo_content.TEAMS[scenario.team][2]]
    resolved = (now - timedelta(days=7)).replace(second=0, microsecond=0)
    started = resolved - timedelta(minutes=scenario.resolve_after)
    detected = started + timedelta(minutes=scenario.detect_after)
    events = demo_content.timeline_for(rng, scenario, started, detected, resolved)
    created = resolved + timedelta(hours=20)
    postmortem = PostMortem.objects.create(
        team=team, kind=scenario.kind, title=scenario.title, severity=scenario.severity,
        status=PostMortem.Status.REVIEW, started_at=started, detected_at=detected, resolved_at=resolved,
        created_by=lead, created_at=created, **demo_content.compose_sections(rng, scenario, events),
    )
    postmortem.authors.add(lead)
    TimelineEvent.objects.bulk_create(TimelineEvent(postmortem=postmortem, occurred_at=when, description=text)
                                      for when, text in events)
    ContributingFactor.objects.bulk_create(
        ContributingFactor(postmortem=postmortem, theme=themes[theme], description=text)
        for theme, text in scenario.factors
    )
    ActionItem.objects.bulk_create(
        ActionItem(postmortem=postmortem, title=title, priority=priority, owner=lead, created_at=created,
                   due_date=timezone.localdate(now) + timedelta(days=14 + 7 * index),
                   description=demo_content.ACTION_DONE_WHEN[index % len(demo_content.ACTION_DONE_WHEN)])
        for index, (title, priority) in enumerate(scenario.actions)
    )
    revision = record_revision(postmortem, author=lead, note="Created from demo data")
    Revision.objects.filter(pk=revision.pk).update(created_at=created)
    PostMortem.objects.filter(pk=postmortem.pk).update(updated_at=created)
    search.update_search_vector([postmortem.pk])
    return postmortem
