"""Who may see and edit what, asserted cell by cell against one table.

Rules: technical post-mortems are open to their team at every status and to everyone
signed in once published; people post-mortems only to their authors, the team's leads
and explicitly added viewers, at every status. Only authors and the team's leads edit.
Organisation admins run accounts and teams, not incidents: for post-mortems they are
like anyone outside the team (restricted people incidents stay closed to them).
Each cell is checked through the object checks and through the querysets the views use.
"""
import pytest
from django.contrib.auth.models import AnonymousUser

from postmortems import permissions
from postmortems.models import PostMortem
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

ROLES = [
    "author", "lead", "member", "viewer", "other_member", "other_lead", "outsider", "org_admin", "inactive",
    "anonymous",
]
STATUSES = ["draft", "review", "published"]

# (role, kind) -> {status: (can view, can edit)}
ALL = {status: (True, True) for status in STATUSES}
READ_ONLY = {status: (True, False) for status in STATUSES}
NOTHING = {status: (False, False) for status in STATUSES}
PUBLISHED_ONLY = {"draft": (False, False), "review": (False, False), "published": (True, False)}

TABLE = {
    ("author", "technical"): ALL,
    ("lead", "technical"): ALL,
    ("member", "technical"): READ_ONLY,
    ("viewer", "technical"): PUBLISHED_ONLY,  # viewers matter only for people incidents
    ("other_member", "technical"): PUBLISHED_ONLY,
    ("other_lead", "technical"): PUBLISHED_ONLY,
    ("outsider", "technical"): PUBLISHED_ONLY,
    ("org_admin", "technical"): PUBLISHED_ONLY,
    ("inactive", "technical"): NOTHING,
    ("anonymous", "technical"): NOTHING,
    ("author", "people"): ALL,
    ("lead", "people"): ALL,
    ("member", "people"): NOTHING,
    ("viewer", "people"): READ_ONLY,
    ("other_member", "people"): NOTHING,
    ("other_lead", "people"): NOTHING,
    ("outsider", "people"): NOTHING,
    ("org_admin", "people"): NOTHING,
    ("inactive", "people"): NOTHING,
    ("anonymous", "people"): NOTHING,
}

CELLS = [
    pytest.param(role, kind, status, *TABLE[role, kind][status], id=f"{role}-{kind}-{status}")
    for (role, kind) in TABLE
    for status in STATUSES
]


def test_table_covers_every_role_kind_and_status():
    assert len(CELLS) == len(ROLES) * 2 * len(STATUSES)
    assert {role for role, _ in TABLE} == set(ROLES)


def person(everyone, role):
    if role == "anonymous":
        return AnonymousUser()
    if role == "org_admin":
        from django.contrib.auth import get_user_model

        existing = get_user_model().objects.filter(username="org-admin").first()
        return existing or factories.make_org_admin("org-admin")
    return getattr(everyone.people, {"other_lead": "other_team"}.get(role, role))


@pytest.fixture
def incident(everyone):
    """make(kind, status): a Payments post-mortem written by the author and shared with the viewer.

    The inactive user is also listed as an author, so only their being inactive keeps them out.
    """
    def make(kind, status):
        return factories.make_postmortem(
            everyone.payments, kind=kind, status=status, title=f"{kind} {status} incident",
            authors=[everyone.people.author, everyone.people.inactive], viewers=[everyone.people.viewer],
        )
    return make


@pytest.mark.parametrize("role, kind, status, may_view, may_edit", CELLS)
def test_can_view_follows_the_table(everyone, incident, role, kind, status, may_view, may_edit):
    assert permissions.can_view(person(everyone, role), incident(kind, status)) is may_view


@pytest.mark.parametrize("role, kind, status, may_view, may_edit", CELLS)
def test_can_edit_follows_the_table(everyone, incident, role, kind, status, may_view, may_edit):
    assert permissions.can_edit(person(everyone, role), incident(kind, status)) is may_edit


@pytest.mark.parametrize("role, kind, status, may_view, may_edit", CELLS)
def test_visible_to_queryset_follows_the_table(everyone, incident, role, kind, status, may_view, may_edit):
    postmortem = incident(kind, status)
    visible = PostMortem.objects.visible_to(person(everyone, role))
    assert visible.filter(pk=postmortem.pk).exists() is may_view


@pytest.mark.parametrize("role, kind, status, may_view, may_edit", CELLS)
def test_editable_by_queryset_follows_the_table(everyone, incident, role, kind, status, may_view, may_edit):
    postmortem = incident(kind, status)
    editable = PostMortem.objects.editable_by(person(everyone, role))
    assert editable.filter(pk=postmortem.pk).exists() is may_edit


def test_visible_to_lists_the_whole_table_for_each_role_at_once(everyone, incident):
    made = {(kind, status): incident(kind, status).pk for kind in ["technical", "people"] for status in STATUSES}
    for role in ROLES:
        user = person(everyone, role)
        expected = {pk for (kind, status), pk in made.items() if TABLE[role, kind][status][0]}
        assert set(PostMortem.objects.visible_to(user).values_list("pk", flat=True)) == expected, role


def test_visible_to_returns_each_post_mortem_once_however_many_authors_and_viewers(everyone):
    people = everyone.people
    postmortem = factories.make_postmortem(
        everyone.payments, kind="people",
        authors=[people.author, people.lead, people.member],
        viewers=[people.viewer, people.other_team, people.author, people.lead],
    )
    for user in [people.author, people.lead, people.viewer]:
        rows = list(PostMortem.objects.visible_to(user))
        assert rows == [postmortem], user.username
        assert PostMortem.objects.visible_to(user).count() == 1


def test_editable_by_returns_each_post_mortem_once_for_an_author_who_is_also_lead(everyone):
    people = everyone.people
    factories.make_postmortem(everyone.payments, authors=[people.lead, people.author], viewers=[people.lead])
    assert PostMortem.objects.editable_by(people.lead).count() == 1


def test_lead_of_one_team_cannot_edit_the_other_teams_post_mortems(everyone):
    postmortem = factories.make_postmortem(everyone.search, status="published")
    assert not permissions.can_edit(everyone.people.lead, postmortem)
    assert permissions.can_view(everyone.people.lead, postmortem)


def test_only_members_may_start_a_post_mortem_for_a_team(everyone):
    assert permissions.can_create_in(everyone.people.member, everyone.payments)
    assert not permissions.can_create_in(everyone.people.member, everyone.search)
    assert not permissions.can_create_in(everyone.people.outsider, everyone.payments)
    assert not permissions.can_create_in(AnonymousUser(), everyone.payments)
