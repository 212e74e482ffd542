"""The seed_demo command builds a varied, realistic demo organisation, once."""
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from postmortems import permissions
from postmortems.models import ActionItem, Membership, PostMortem, Revision, Team, Theme

pytestmark = pytest.mark.django_db


def seed(*args):
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded():
    return seed()


def test_creates_enough_postmortems_of_both_kinds_in_every_status(seeded):
    assert PostMortem.objects.count() >= 30
    kinds = set(PostMortem.objects.values_list("kind", flat=True))
    assert kinds == {PostMortem.Kind.TECHNICAL, PostMortem.Kind.PEOPLE}
    assert set(PostMortem.objects.values_list("status", flat=True)) == set(PostMortem.Status.values)
    assert set(PostMortem.objects.values_list("severity", flat=True)) == {1, 2, 3, 4}
    assert not PostMortem.objects.filter(status="published", published_at__isnull=True).exists()


def test_every_postmortem_is_filled_in_and_has_a_revision(seeded):
    for postmortem in PostMortem.objects.annotate(events=Count("timeline_events", distinct=True),
                                                  revs=Count("revisions", distinct=True)):
        assert all(getattr(postmortem, name) for name in PostMortem.SECTIONS), postmortem
        assert postmortem.started_at <= postmortem.detected_at <= postmortem.resolved_at <= timezone.now()
        assert 3 <= postmortem.events <= 6
        assert postmortem.revs == postmortem.version >= 1
        assert postmortem.authors.exists()
    assert Revision.objects.filter(version=2).exists()


def test_action_items_cover_every_status_with_some_overdue(seeded):
    assert set(ActionItem.objects.values_list("status", flat=True)) == set(ActionItem.Status.values)
    assert not ActionItem.objects.filter(status__in=ActionItem.CLOSED_STATUSES, closed_at__isnull=True).exists()
    today = timezone.localdate()
    open_items = ActionItem.objects.filter(status=ActionItem.Status.OPEN)
    assert sum(item.is_overdue(today) for item in open_items) >= 2
    assert ActionItem.objects.exclude(status__in=ActionItem.CLOSED_STATUSES).filter(
        due_date__gte=today, due_date__lte=today + timezone.timedelta(days=7)).exists()


def test_shared_themes_recur_across_kinds(seeded):
    recurring = Theme.objects.filter(team=None).annotate(
        incidents=Count("factors__postmortem", distinct=True),
        kinds=Count("factors__postmortem__kind", distinct=True),
    ).filter(incidents__gte=3, kinds=2)
    assert recurring.count() >= 3
    assert Theme.objects.filter(team__isnull=False, factors__isnull=False).exists()


def test_people_postmortems_are_hidden_from_plain_members_of_other_teams(seeded):
    member = get_user_model().objects.get(username="olu")
    assert set(Membership.objects.filter(user=member).values_list("role", flat=True)) == {Membership.Role.MEMBER}
    other_teams_people = PostMortem.objects.filter(kind=PostMortem.Kind.PEOPLE).exclude(team__members=member)
    assert other_teams_people.exists()
    assert not PostMortem.objects.visible_to(member).filter(pk__in=other_teams_people).exists()


@pytest.mark.parametrize("seed_args", [(), ("--seed", "3")])
def test_every_action_item_owner_may_open_their_item(seed_args):
    seed(*seed_args)
    owned = ActionItem.objects.filter(owner__isnull=False).select_related("owner", "postmortem")
    assert owned.filter(postmortem__kind=PostMortem.Kind.PEOPLE).exists()
    assert [(item.title, item.owner.username) for item in owned
            if not permissions.can_view(item.owner, item.postmortem)] == []


def test_owners_of_people_items_are_shared_only_what_they_own(seeded):
    """Viewers are the leads a scenario shares with, and owners of an item who could not otherwise read it."""
    leads = set(Membership.objects.filter(role=Membership.Role.LEAD).values_list("user__username", flat=True))
    for postmortem in PostMortem.objects.filter(kind=PostMortem.Kind.PEOPLE).prefetch_related("viewers"):
        owners = set(postmortem.action_items.exclude(owner=None).values_list("owner__username", flat=True))
        for viewer in postmortem.viewers.all():
            assert viewer.username in owners or viewer.username in leads, (postmortem, viewer)


def test_users_have_profiles_and_one_person_is_in_two_teams(seeded):
    users = get_user_model().objects.filter(email__endswith="@debrief.example")
    assert users.filter(username="admin", is_superuser=True).exists()
    assert not users.filter(profile__isnull=True).exists()
    assert users.annotate(n=Count("memberships")).filter(n=2).exists()
    assert users.get(username="priya").check_password("debrief-demo")
    assert "debrief-demo" in seeded and "priya" in seeded


def test_running_twice_does_not_duplicate(seeded):
    counts = (PostMortem.objects.count(), get_user_model().objects.count(), Team.objects.count())
    output = seed()
    assert "already exists" in output
    assert (PostMortem.objects.count(), get_user_model().objects.count(), Team.objects.count()) == counts


def test_reset_recreates_the_same_demo(seeded):
    titles = sorted(PostMortem.objects.values_list("title", flat=True))
    first_ids = set(PostMortem.objects.values_list("pk", flat=True))
    seed("--reset")
    assert sorted(PostMortem.objects.values_list("title", flat=True)) == titles
    assert not first_ids & set(PostMortem.objects.values_list("pk", flat=True))
    assert get_user_model().objects.filter(username="admin").count() == 1
    assert Team.objects.count() == 4


def test_other_seeds_still_cover_every_status():
    seed("--seed", "3")
    assert set(PostMortem.objects.values_list("status", flat=True)) == set(PostMortem.Status.values)
    assert set(ActionItem.objects.values_list("status", flat=True)) == set(ActionItem.Status.values)


def test_the_platform_lead_sees_a_pulse_signal_on_the_trends_page_after_seeding(seeded, client):
    """The demo's story: Platform's pulse slid weeks before its people incident, and the trends page says so."""
    from pulse import early_warning

    samira = get_user_model().objects.get(username="samira")
    client.force_login(samira)
    html = client.get("/trends/").content.decode()
    assert 'data-signal="pulse"' in html
    assert "“My workload is sustainable.” has scored below its usual range" in html
    assert "A migration deadline stretched Platform thin" in PostMortem.objects.filter(
        team__slug="platform", kind=PostMortem.Kind.PEOPLE).values_list("title", flat=True)
    kinds = {signal.kind for signal in early_warning.signals_for(samira, now=timezone.now())}
    assert {early_warning.PULSE, early_warning.NEAR_MISSES} <= kinds
    # People Ops has a pulse but too few people for results; Payments has none; Support's is steady.
    hannah, priya, maria = (get_user_model().objects.get(username=name) for name in ("hannah", "priya", "maria"))
    client.force_login(hannah)
    assert "Not enough responses yet." in client.get("/trends/").content.decode()
    client.force_login(priya)
    assert "No pulse yet for this team." in client.get("/trends/").content.decode()
    assert not [signal for signal in early_warning.signals_for(maria, now=timezone.now())
                if signal.kind == early_warning.PULSE]
