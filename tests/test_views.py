"""The pages over HTTP: who gets what, the guided editor, the list page and the preview endpoint."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertInHTML

from postmortems.models import ActionItem, ContributingFactor, PostMortem, Revision, TimelineEvent
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

PEOPLE_TITLE = "Escalation lost between support and engineering"


def url(name, *args):
    return reverse(f"postmortems:{name}", args=args)


def html(response):
    return response.content.decode()


# Access to a restricted (people) post-mortem, URL by URL ----------------------------

@pytest.fixture
def people_incident(everyone):
    return factories.make_postmortem(
        everyone.payments, kind="people", title=PEOPLE_TITLE, summary="A hand-off in a chat thread nobody owned.",
        authors=[everyone.people.author], viewers=[everyone.people.viewer],
    )


def every_request(client, postmortem):
    """Every way to reach one post-mortem: (label, response), in the order a curious person might try."""
    edit_data = {"title": "Changed", "summary": "Changed", "version": postmortem.version, "action": "save",
                 **factories.management_form("timeline", 0), **factories.management_form("factors", 0),
                 **factories.management_form("actions", 0)}
    return [
        ("detail", client.get(url("detail", postmortem.pk))),
        ("edit GET", client.get(url("edit", postmortem.pk))),
        ("edit POST", client.post(url("edit", postmortem.pk), edit_data)),
        ("status POST", client.post(url("status", postmortem.pk),
                                    {"status": "published", "version": postmortem.version})),
        ("revision", client.get(url("revision", postmortem.pk, 1))),
        ("restore POST", client.post(url("revision-restore", postmortem.pk, 1))),
        ("list", client.get(url("list"))),
        ("list search", client.get(url("list"), {"q": PEOPLE_TITLE})),
    ]


@pytest.mark.parametrize("role", ["member", "other_member", "other_team", "outsider"])
def test_people_incident_is_404_everywhere_for_anyone_not_author_lead_or_viewer(everyone, people_incident, login, role):
    client = login(getattr(everyone.people, role))
    for label, response in every_request(client, people_incident):
        expected = 200 if label.startswith("list") else 404
        assert response.status_code == expected, label


@pytest.mark.parametrize("role", ["member", "other_member", "other_team", "outsider"])
def test_people_incident_title_never_appears_for_anyone_not_author_lead_or_viewer(
        everyone, people_incident, login, role):
    client = login(getattr(everyone.people, role))
    for label, response in every_request(client, people_incident):
        # The search box echoes what the person typed; nothing else may carry the title.
        page = html(response).replace(f'value="{PEOPLE_TITLE}"', "")
        assert PEOPLE_TITLE not in page, label
        assert "hand-off in a chat thread" not in page, label


@pytest.mark.parametrize("role", ["member", "other_member", "other_team", "outsider"])
def test_searching_for_people_incident_title_finds_nothing_for_outsiders(everyone, people_incident, login, role):
    response = login(getattr(everyone.people, role)).get(url("list"), {"q": PEOPLE_TITLE})
    assert listed(response) == []
    assert "No post-mortems match these filters." in html(response)


@pytest.mark.parametrize("role", ["member", "other_member", "outsider"])
def test_people_incident_is_unchanged_after_outsiders_try_every_url(everyone, people_incident, login, role):
    every_request(login(getattr(everyone.people, role)), people_incident)
    people_incident.refresh_from_db()
    assert (people_incident.title, people_incident.status, people_incident.version) == (PEOPLE_TITLE, "draft", 1)
    assert people_incident.revisions.count() == 1


def test_anonymous_visitor_is_sent_to_login_from_every_url(people_incident):
    for label, response in every_request(Client(), people_incident):
        assert response.status_code == 302, label
        assert response["Location"].startswith(reverse("login") + "?next="), label
        assert "Escalation" not in html(response), label


def test_explicit_viewer_can_read_people_incident_page_history_and_list(everyone, people_incident, login):
    client = login(everyone.people.viewer)
    assert PEOPLE_TITLE in html(client.get(url("detail", people_incident.pk)))
    assert PEOPLE_TITLE in html(client.get(url("revision", people_incident.pk, 1)))
    assert PEOPLE_TITLE in html(client.get(url("list"), {"q": "Escalation"}))


def test_explicit_viewer_gets_403_on_every_way_to_change_people_incident(everyone, people_incident, login):
    responses = dict(every_request(login(everyone.people.viewer), people_incident))
    for label in ["edit GET", "edit POST", "status POST", "restore POST"]:
        assert responses[label].status_code == 403, label
    people_incident.refresh_from_db()
    assert people_incident.version == 1


def test_viewer_sees_no_edit_or_restore_buttons(everyone, people_incident, login):
    client = login(everyone.people.viewer)
    assert url("edit", people_incident.pk) not in html(client.get(url("detail", people_incident.pk)))
    assert "Restore this version" not in html(client.get(url("revision", people_incident.pk, 1)))


@pytest.mark.parametrize("role", ["author", "lead"])
def test_author_and_team_lead_can_open_people_incident_and_its_editor(everyone, people_incident, login, role):
    client = login(getattr(everyone.people, role))
    assert client.get(url("detail", people_incident.pk)).status_code == 200
    assert client.get(url("edit", people_incident.pk)).status_code == 200


def test_people_incident_page_says_who_it_is_shared_with(everyone, people_incident, login):
    page = html(login(everyone.people.author).get(url("detail", people_incident.pk)))
    assert "Restricted" in page
    assert "Vic Santos" in page


# Technical post-mortems ------------------------------------------------------------

@pytest.mark.parametrize("status", ["draft", "review"])
def test_technical_post_mortem_of_another_team_is_404_before_publication(org, login, status):
    postmortem = factories.make_postmortem(org.payments, status=status, title="Checkout pool exhausted")
    client = login(org.people.other_team)
    for name, args in [("detail", [postmortem.pk]), ("edit", [postmortem.pk]), ("revision", [postmortem.pk, 1])]:
        response = client.get(url(name, *args))
        assert response.status_code == 404, name
        assert "Checkout pool exhausted" not in html(response)
    assert "Checkout pool exhausted" not in html(client.get(url("list")))


def test_technical_draft_is_readable_by_any_member_of_its_team(org, login):
    postmortem = factories.make_postmortem(org.payments, title="Checkout pool exhausted", authors=[org.people.author])
    response = login(org.people.member).get(url("detail", postmortem.pk))
    assert response.status_code == 200
    assert "Checkout pool exhausted" in html(response)


def test_team_member_who_is_not_author_gets_403_editing_a_technical_draft(org, login):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author])
    client = login(org.people.member)
    assert client.get(url("edit", postmortem.pk)).status_code == 403
    assert client.post(url("status", postmortem.pk), {"status": "review"}).status_code == 403


def test_published_technical_post_mortem_is_readable_by_another_team(org, login):
    postmortem = factories.make_postmortem(org.payments, status="published", title="Checkout pool exhausted")
    client = login(org.people.other_team)
    response = client.get(url("detail", postmortem.pk))
    assert response.status_code == 200
    assert "Checkout pool exhausted" in html(response)
    assert "Checkout pool exhausted" in html(client.get(url("list")))
    assert client.get(url("revision", postmortem.pk, 1)).status_code == 200


def test_published_technical_post_mortem_cannot_be_changed_by_another_teams_lead(org, login):
    postmortem = factories.make_postmortem(org.payments, status="published")
    client = login(org.people.other_team)
    assert client.get(url("edit", postmortem.pk)).status_code == 403
    assert client.post(url("edit", postmortem.pk), {"title": "Mine now", "action": "save"}).status_code == 403
    assert client.post(url("status", postmortem.pk), {"status": "draft", "version": 1}).status_code == 403
    assert client.post(url("revision-restore", postmortem.pk, 1)).status_code == 403
    postmortem.refresh_from_db()
    assert (postmortem.status, postmortem.version) == ("published", 1)


def test_published_technical_post_mortem_hides_edit_button_from_readers(org, login):
    postmortem = factories.make_postmortem(org.payments, status="published")
    assert url("edit", postmortem.pk) not in html(login(org.people.outsider).get(url("detail", postmortem.pk)))


def test_detail_page_shows_timeline_factors_and_action_items(org, login):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author])
    factories.add_timeline_event(postmortem, description="Pager fired for checkout latency")
    factories.add_factor(postmortem, description="Pool sized for last year's load")
    factories.add_action_item(postmortem, title="Alert on pool saturation", owner=org.people.lead, due_in_days=-2)
    page = html(login(org.people.author).get(url("detail", postmortem.pk)))
    assert "Pager fired for checkout latency" in page
    assert "Pool sized for last year&#x27;s load" in page
    assert "Alert on pool saturation" in page
    assert "Lin Park" in page
    assert "(overdue)" in page


def test_detail_page_shows_action_item_without_owner(org, login):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author])
    factories.add_action_item(postmortem, title="Someone should own this", owner=None)
    response = login(org.people.author).get(url("detail", postmortem.pk))
    assert response.status_code == 200
    assert "No owner" in html(response)


def test_detail_and_revision_pages_survive_a_revision_whose_author_was_deleted(org, login):
    leaver = factories.make_user("leaver")
    factories.add_member(org.payments, leaver)
    postmortem = factories.make_postmortem(org.payments, authors=[leaver])
    leaver.delete()
    client = login(org.people.lead)
    assert "by someone" in html(client.get(url("detail", postmortem.pk)))
    assert "Saved by someone" in html(client.get(url("revision", postmortem.pk, 1)))


# The editor: creating ------------------------------------------------------------------

def new_technical_data(org, **overrides):
    """What the 'new technical post-mortem' form submits with one timeline event, factor and action item."""
    data = {
        "kind": "technical", "action": "save",
        "title": "Checkout timeouts after pool change", "team": org.payments.pk, "severity": "2",
        "started_at": "2024-05-01T09:00", "detected_at": "2024-05-01T09:05", "resolved_at": "2024-05-01T09:40",
        "summary": "Checkout timed out for 40 minutes.", "impact": "12,000 failed checkouts.",
        "timeline_narrative": "", "contributing_factors": "", "went_well": "", "got_lucky": "", "lessons": "",
        **factories.management_form("timeline", 1),
        "timeline-0-occurred_at": "2024-05-01T09:05", "timeline-0-description": "Latency alert fired",
        **factories.management_form("factors", 1),
        "factors-0-theme": factories.shared_theme("Capacity").pk,
        "factors-0-description": "Pool sized for last year's traffic",
        **factories.management_form("actions", 1),
        "actions-0-title": "Alert on pool saturation", "actions-0-owner": org.people.lead.pk,
        "actions-0-due_date": "2030-01-31", "actions-0-priority": "high", "actions-0-status": "open",
        "actions-0-description": "",
    }
    data.update(overrides)
    return data


def test_creating_a_technical_post_mortem_saves_document_timeline_factor_and_action(org, login):
    response = login(org.people.author).post(url("create"), new_technical_data(org))

    postmortem = PostMortem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == postmortem.get_absolute_url()
    assert (postmortem.kind, postmortem.team, postmortem.severity) == ("technical", org.payments, 2)
    assert postmortem.summary == "Checkout timed out for 40 minutes."
    assert postmortem.time_to_resolve() == timedelta(minutes=40)
    assert list(postmortem.timeline_events.values_list("description", flat=True)) == ["Latency alert fired"]
    factor = postmortem.factors.get()
    assert (factor.theme.name, factor.description) == ("Capacity", "Pool sized for last year's traffic")
    item = postmortem.action_items.get()
    assert (item.title, item.owner, item.priority, str(item.due_date)) == (
        "Alert on pool saturation", org.people.lead, "high", "2030-01-31")


def test_the_creator_becomes_an_author_and_is_recorded_as_creator(org, login):
    login(org.people.author).post(url("create"), new_technical_data(org, authors=[org.people.member.pk]))
    postmortem = PostMortem.objects.get()
    assert set(postmortem.authors.all()) == {org.people.author, org.people.member}
    assert postmortem.created_by == org.people.author


def test_creating_records_version_one_with_its_first_revision(org, login):
    login(org.people.author).post(url("create"), new_technical_data(org))
    postmortem = PostMortem.objects.get()
    revision = postmortem.revisions.get()
    assert (postmortem.version, revision.version, revision.author) == (1, 1, org.people.author)
    assert {"title", "summary", "impact", "timeline", "factors"} <= set(revision.changed_fields)


def test_new_post_mortem_starts_as_a_draft(org, login):
    login(org.people.author).post(url("create"), new_technical_data(org))
    assert PostMortem.objects.get().status == "draft"


def test_create_without_kind_asks_which_kind(org, login):
    page = html(login(org.people.author).get(url("create")))
    assert "What kind of incident are you writing up?" in page
    assert "?kind=technical" in page and "?kind=people" in page


def test_person_in_no_team_cannot_start_a_post_mortem(org, login):
    client = login(org.people.outsider)
    assert client.get(url("create"), {"kind": "technical"}).status_code == 403
    assert client.post(url("create"), new_technical_data(org)).status_code == 403
    assert not PostMortem.objects.exists()


def test_cannot_create_a_post_mortem_for_a_team_one_is_not_in(org, login):
    response = login(org.people.author).post(url("create"), new_technical_data(org, team=org.search.pk))
    assert response.status_code == 200
    assert not PostMortem.objects.exists()


def test_resolved_before_started_is_refused_and_keeps_the_typed_text(org, login):
    data = new_technical_data(org, resolved_at="2024-05-01T08:00", summary="My carefully typed summary")
    response = login(org.people.author).post(url("create"), data)
    page = html(response)
    assert response.status_code == 200
    assert "Resolution cannot come before the incident started." in page
    assert "My carefully typed summary" in page
    assert "Latency alert fired" in page
    assert "Alert on pool saturation" in page


def test_a_refused_form_saves_nothing(org, login):
    login(org.people.author).post(url("create"), new_technical_data(org, resolved_at="2024-05-01T08:00"))
    assert not PostMortem.objects.exists()
    assert not TimelineEvent.objects.exists()
    assert not ContributingFactor.objects.exists()
    assert not ActionItem.objects.exists()
    assert not Revision.objects.exists()


def test_publishing_with_an_empty_summary_is_refused_and_keeps_the_typed_text(org, login):
    data = new_technical_data(org, action="publish", summary="   ", impact="Impact I typed")
    response = login(org.people.author).post(url("create"), data)
    page = html(response)
    assert response.status_code == 200
    assert "Write a summary before publishing." in page
    assert "Impact I typed" in page
    assert not PostMortem.objects.exists()


def test_an_invalid_edit_leaves_the_saved_version_alone(org, login):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author], summary="Saved summary")
    response, _ = factories.submit_editor(
        login(org.people.author), url("edit", postmortem.pk),
        summary="New words", started_at="2024-05-01T09:00", detected_at="2024-05-01T08:00",
    )
    assert response.status_code == 200
    assert "Detection cannot come before the incident started." in html(response)
    assert "New words" in html(response)
    postmortem.refresh_from_db()
    assert (postmortem.summary, postmortem.version) == ("Saved summary", 1)


def test_people_editor_offers_viewers_and_people_prompts(org, login):
    page = html(login(org.people.author).get(url("create"), {"kind": "people"}))
    assert 'name="viewers"' in page
    assert "what broke down between people or teams" in page
    assert "Process, communication paths, staffing, incentives" in page
    assert "This post-mortem is restricted" in page


def test_technical_editor_has_no_viewers_and_asks_technical_questions(org, login):
    page = html(login(org.people.author).get(url("create"), {"kind": "technical"}))
    assert 'name="viewers"' not in page
    assert "what happened, for how long, and how it ended" in page
    assert "what broke down between people or teams" not in page


def test_creating_a_people_post_mortem_shares_it_with_chosen_viewers(org, login):
    data = new_technical_data(org, kind="people", title=PEOPLE_TITLE, viewers=[org.people.viewer.pk])
    login(org.people.author).post(url("create"), data)
    postmortem = PostMortem.objects.get()
    assert postmortem.kind == "people"
    assert list(postmortem.viewers.all()) == [org.people.viewer]
    assert login(org.people.viewer).get(postmortem.get_absolute_url()).status_code == 200
    assert login(org.people.member).get(postmortem.get_absolute_url()).status_code == 404


def test_editor_save_button_keeps_the_status(org, login):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author], status="review")
    factories.submit_editor(login(org.people.author), url("edit", postmortem.pk), "save", summary="More")
    postmortem.refresh_from_db()
    assert (postmortem.status, postmortem.summary) == ("review", "More")


def test_editor_review_button_submits_for_review(org, login):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author])
    response, _ = factories.submit_editor(login(org.people.author), url("edit", postmortem.pk), "review")
    postmortem.refresh_from_db()
    assert response.status_code == 302
    assert postmortem.status == "review"
    assert postmortem.published_at is None


def test_editor_publish_button_publishes_and_stamps_the_time(org, login):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author])
    before = timezone.now()
    factories.submit_editor(login(org.people.author), url("edit", postmortem.pk), "publish")
    postmortem.refresh_from_db()
    assert postmortem.status == "published"
    assert postmortem.published_at >= before


def test_publishing_again_keeps_the_first_publication_time(org, login):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author])
    client = login(org.people.author)
    factories.submit_editor(client, url("edit", postmortem.pk), "publish")
    postmortem.refresh_from_db()
    first_published = postmortem.published_at

    client.post(url("status", postmortem.pk), {"status": "draft", "version": postmortem.version})
    factories.submit_editor(client, url("edit", postmortem.pk), "publish")

    postmortem.refresh_from_db()
    assert postmortem.status == "published"
    assert postmortem.published_at == first_published


def test_unknown_editor_action_is_a_bad_request(org, login):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author])
    response, _ = factories.submit_editor(login(org.people.author), url("edit", postmortem.pk), "delete-everything")
    assert response.status_code == 400


def test_published_post_mortem_editor_offers_no_publish_button(org, login):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author], status="published")
    page = html(login(org.people.author).get(url("edit", postmortem.pk)))
    assert 'value="publish"' not in page
    assert 'value="review"' in page


def test_editor_cannot_move_a_post_mortem_to_another_team(org, login):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author])
    factories.add_member(org.search, org.people.author)
    factories.submit_editor(login(org.people.author), url("edit", postmortem.pk), team=org.search.pk)
    postmortem.refresh_from_db()
    assert postmortem.team == org.payments


# Status changes from the detail page ---------------------------------------------------------

def test_status_button_moves_to_review_as_a_new_version(org, login):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author])
    response = login(org.people.author).post(url("status", postmortem.pk), {"status": "review", "version": 1})
    postmortem.refresh_from_db()
    assert response.status_code == 302
    assert (postmortem.status, postmortem.version) == ("review", 2)
    assert postmortem.revisions.get(version=2).note == "Status changed to In review"


def test_status_button_refuses_to_publish_without_a_summary(org, login):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author], summary="")
    response = login(org.people.author).post(url("status", postmortem.pk), {"status": "published", "version": 1},
                                              follow=True)
    postmortem.refresh_from_db()
    assert postmortem.status == "draft"
    assert "Write a summary before publishing." in html(response)


def test_status_change_against_an_old_version_changes_nothing(org, login):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author])
    client = login(org.people.author)
    client.post(url("status", postmortem.pk), {"status": "review", "version": 1})
    response = client.post(url("status", postmortem.pk), {"status": "published", "version": 1}, follow=True)
    postmortem.refresh_from_db()
    assert (postmortem.status, postmortem.version) == ("review", 2)
    assert "Someone saved a newer version meanwhile" in html(response)


def test_status_endpoint_rejects_unknown_status_and_get(org, login):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author])
    client = login(org.people.author)
    assert client.post(url("status", postmortem.pk), {"status": "deleted"}).status_code == 400
    assert client.get(url("status", postmortem.pk)).status_code == 405


# The list page --------------------------------------------------------------------------------

def listed(response):
    return [postmortem.title for postmortem in response.context["page"].object_list]


@pytest.fixture
def catalogue(org):
    """What the Payments author can see: their team's draft and people incident, Search's published one."""
    checkout = factories.make_postmortem(org.payments, title="Checkout timeouts", severity=2, summary="Pool exhausted.",
                                         authors=[org.people.author])
    factories.add_factor(checkout, theme=factories.shared_theme("Capacity"), description="Pool too small")
    factories.add_factor(checkout, theme=factories.shared_theme("Capacity"), description="Traffic doubled")
    factories.make_postmortem(org.payments, kind="people", title="Escalation lost", severity=3,
                              authors=[org.people.author])
    index = factories.make_postmortem(org.search, title="Index rebuild stalled", severity=1, status="published",
                                      summary="A shard ran out of disk.")
    factories.add_factor(index, theme=factories.shared_theme("Alert fatigue"))
    return org


@pytest.mark.parametrize("filters, expected", [
    ({}, ["Index rebuild stalled", "Escalation lost", "Checkout timeouts"]),
    ({"team": "search"}, ["Index rebuild stalled"]),
    ({"kind": "people"}, ["Escalation lost"]),
    ({"kind": "technical"}, ["Index rebuild stalled", "Checkout timeouts"]),
    ({"status": "published"}, ["Index rebuild stalled"]),
    ({"status": "draft"}, ["Escalation lost", "Checkout timeouts"]),
    ({"severity": "1"}, ["Index rebuild stalled"]),
    ({"severity": "2"}, ["Checkout timeouts"]),
    ({"theme": "Capacity"}, ["Checkout timeouts"]),
    ({"q": "shard"}, ["Index rebuild stalled"]),
    ({"q": "checkout TIMEOUTS"}, ["Checkout timeouts"]),
    ({"q": "checkout shard"}, []),
    ({"kind": "technical", "severity": "2"}, ["Checkout timeouts"]),
], ids=lambda value: repr(value) if isinstance(value, dict) else None)
def test_list_filters(catalogue, login, filters, expected):
    params = dict(filters)
    if "team" in params:
        params["team"] = getattr(catalogue, params["team"]).pk
    if "theme" in params:
        params["theme"] = factories.shared_theme(params["theme"]).pk
    response = login(catalogue.people.author).get(url("list"), params)
    assert listed(response) == expected


def test_theme_filter_lists_a_post_mortem_once_however_many_matching_factors(catalogue, login):
    response = login(catalogue.people.author).get(url("list"), {"theme": factories.shared_theme("Capacity").pk})
    assert response.context["page"].paginator.count == 1


def test_list_shows_authors_team_and_open_action_count(org, login):
    postmortem = factories.make_postmortem(org.payments, title="Checkout timeouts", authors=[org.people.author])
    factories.add_action_item(postmortem, title="One")
    factories.add_action_item(postmortem, title="Two")
    factories.add_action_item(postmortem, title="Done one", status="done")
    page = html(login(org.people.member).get(url("list")))
    assert "Ada Okafor" in page
    assert "Payments" in page
    assert "2 open action items" in page


def test_list_paginates_twenty_per_page(org, login):
    for n in range(25):
        factories.make_postmortem(org.payments, title=f"Incident number {n:02}")
    client = login(org.people.member)
    first, second = client.get(url("list")), client.get(url("list"), {"page": 2})
    assert len(listed(first)) == 20
    assert len(listed(second)) == 5
    assert set(listed(first)).isdisjoint(listed(second))
    assert "Page 1 of 2" in html(first)
    assert "25 post-mortems" in html(first)


def test_pagination_links_keep_the_filters(org, login):
    for n in range(21):
        factories.make_postmortem(org.payments, title=f"Incident number {n:02}")
    page = html(login(org.people.member).get(url("list"), {"kind": "technical"}))
    assert 'href="?kind=technical&amp;page=2"' in page


def test_list_says_when_there_are_no_post_mortems_yet(org, login):
    page = html(login(org.people.member).get(url("list")))
    assert "No post-mortems yet." in page
    assert "Write the first one" in page


def test_list_says_when_no_post_mortem_matches_the_filters(catalogue, login):
    page = html(login(catalogue.people.author).get(url("list"), {"q": "nothing-like-this"}))
    assert "No post-mortems match these filters." in page
    assert "Show all post-mortems" in page


def test_list_filters_are_a_labelled_search_form_with_a_way_back_to_the_whole_list(org, login):
    client = login(org.people.member)
    assert "Clear</a>" not in html(client.get(url("list")))
    page = html(client.get(url("list"), {"kind": "people"}))
    assert 'role="search" aria-label="Filter post-mortems"' in page
    assertInHTML('<label class="form-label small mb-1" for="id_from">Incident from</label>', page)
    assertInHTML(f'<a class="btn btn-link" href="{url("list")}">Clear</a>', page)


def test_list_filter_that_is_not_valid_says_why_next_to_its_field(org, login):
    page = html(login(org.people.member).get(url("list"), {"from": "someday"}))
    # The message is the field's description for screen readers (aria-describedby names its id).
    assertInHTML('<div id="id_from_error" class="text-danger small">Enter a valid date.</div>', page)
    assert 'aria-describedby="id_from_error"' in page


def test_list_requires_login():
    response = Client().get(url("list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def add_busy_postmortems(org, count):
    """Post-mortems with two authors, a viewer, two action items and a factor each."""
    for n in range(count):
        postmortem = factories.make_postmortem(org.payments, authors=[org.people.author, org.people.lead],
                                               viewers=[org.people.viewer], kind=["technical", "people"][n % 2])
        factories.add_action_item(postmortem, owner=org.people.member)
        factories.add_action_item(postmortem, owner=org.people.lead, status="done")
        factories.add_factor(postmortem)


def list_queries(client, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url("list"), params or {})
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_list_page_query_count_does_not_grow_with_post_mortems(org, login, django_assert_max_num_queries):
    client = login(org.people.lead)
    list_queries(client)  # warm up per-process caches
    add_busy_postmortems(org, 5)
    with_five = list_queries(client)
    add_busy_postmortems(org, 20)
    with_twenty_five = list_queries(client)
    assert with_five == with_twenty_five
    with django_assert_max_num_queries(with_five):
        client.get(url("list"), {"page": 2})


def test_filtered_list_query_count_does_not_grow_with_post_mortems(org, login):
    client = login(org.people.lead)
    params = {"theme": factories.shared_theme("Capacity").pk, "q": "Summary", "kind": "technical"}
    list_queries(client, params)
    add_busy_postmortems(org, 5)
    with_five = list_queries(client, params)
    add_busy_postmortems(org, 20)
    assert list_queries(client, params) == with_five


# Markdown preview ---------------------------------------------------------------------------------

def test_preview_renders_sanitised_markdown(org, login):
    response = login(org.people.author).post(url("preview"), {"text": "**bold** <script>alert(1)</script>"})
    assert response.status_code == 200
    assert "<strong>bold</strong>" in html(response)
    assert "<script" not in html(response)


def test_preview_renders_the_named_section(org, login):
    response = login(org.people.author).post(url("preview"), {"section": "impact", "impact": "- one\n- two",
                                                              "text": "ignored"})
    assert "<li>one</li>" in html(response)
    assert "ignored" not in html(response)


def test_preview_of_nothing_says_so(org, login):
    assert "Nothing to preview yet." in html(login(org.people.author).post(url("preview"), {"text": ""}))


def test_preview_refuses_get(org, login):
    assert login(org.people.author).get(url("preview"), {"text": "hi"}).status_code == 405


def test_preview_requires_login(db):
    response = Client().post(url("preview"), {"text": "hi"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_preview_requires_a_csrf_token(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.people.author)
    assert client.post(url("preview"), {"text": "**hi**"}).status_code == 403


def test_preview_accepts_the_csrf_token_htmx_sends(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.people.author)
    client.get(url("list"))  # sets the CSRF cookie, as the editor page does
    token = client.cookies["csrftoken"].value
    response = client.post(url("preview"), {"text": "**hi**"}, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert "<strong>hi</strong>" in html(response)


def test_new_postmortem_preselects_the_writers_only_team_and_them_as_author(client, org):
    client.force_login(org.people.member)
    html = client.get("/postmortems/new/?kind=technical").content.decode()
    assert f'<option value="{org.payments.pk}" selected>Payments</option>' in html
    assert f'<option value="{org.people.member.pk}" selected>' in html
