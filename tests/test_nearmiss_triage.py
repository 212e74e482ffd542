"""Triage by the team's leads: acknowledge with themes, dismiss with a reason, promote to a draft post-mortem."""
import threading

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from nearmisses import triage
from nearmisses.models import NearMiss
from postmortems.models import PostMortem
from tests import factories
from tests.test_nearmiss_reports import TEXTS, captured_log_lines, make_near_miss

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def url(name, near_miss):
    return reverse(f"nearmisses:{name}", args=[near_miss.pk])


# Acknowledge and dismiss -----------------------------------------------------------------------

def test_lead_acknowledges_with_themes(login, org):
    near_miss = make_near_miss(org.payments)
    capacity, drift = factories.shared_theme("Capacity"), factories.make_theme(org.payments, "Runbook drift")
    response = login(org.people.lead).post(url("acknowledge", near_miss), {"themes": [capacity.pk, drift.pk]})
    near_miss.refresh_from_db()
    assert response.status_code == 302
    assert near_miss.status == "acknowledged" and set(near_miss.themes.all()) == {capacity, drift}
    assert near_miss.triaged_by == org.people.lead and near_miss.triaged_at is not None


def test_acknowledge_needs_a_theme(login, org):
    near_miss = make_near_miss(org.payments)
    response = login(org.people.lead).post(url("acknowledge", near_miss), {})
    assert response.status_code == 400 and "Choose at least one theme." in response.content.decode()
    assert NearMiss.objects.get().status == "new"


def test_acknowledge_refuses_another_teams_theme_and_retired_themes(login, org):
    near_miss = make_near_miss(org.payments)
    other = factories.make_theme(org.search, "Search only")
    retired = factories.shared_theme("Retired")
    retired.is_active = False
    retired.save()
    client = login(org.people.lead)
    for theme in [other, retired]:
        assert client.post(url("acknowledge", near_miss), {"themes": [theme.pk]}).status_code == 400
    assert NearMiss.objects.get().status == "new"


def test_acknowledge_form_offers_shared_and_team_themes_only(login, org):
    near_miss = make_near_miss(org.payments)
    factories.shared_theme("Capacity")
    factories.make_theme(org.payments, "Runbook drift")
    factories.make_theme(org.search, "Search only")
    page = login(org.people.lead).get(near_miss.get_absolute_url()).content.decode()
    assert "Capacity" in page and "Runbook drift" in page and "Search only" not in page


def test_dismiss_needs_a_reason_and_keeps_the_form(login, org):
    near_miss = make_near_miss(org.payments)
    response = login(org.people.lead).post(url("dismiss", near_miss), {"reason": "   "})
    assert response.status_code == 400 and "Say why" in response.content.decode()
    assert NearMiss.objects.get().status == "new"


def test_dismissal_reason_is_stored_and_shown_to_the_named_reporter(login, org):
    near_miss = make_near_miss(org.payments, reporter=org.people.member)
    login(org.people.lead).post(url("dismiss", near_miss), {"reason": "Fixed last week by the pool alert."})
    near_miss.refresh_from_db()
    assert (near_miss.status, near_miss.dismiss_reason) == ("dismissed", "Fixed last week by the pool alert.")
    page = login(org.people.member).get(near_miss.get_absolute_url()).content.decode()
    assert "Fixed last week by the pool alert." in page


def test_a_dismissed_report_can_be_acknowledged_after_all(login, org):
    near_miss = make_near_miss(org.payments, status="dismissed")
    login(org.people.lead).post(url("acknowledge", near_miss), {"themes": [factories.shared_theme().pk]})
    near_miss.refresh_from_db()
    assert near_miss.status == "acknowledged" and near_miss.dismiss_reason == ""


def test_member_sees_no_triage_forms(login, org):
    near_miss = make_near_miss(org.payments)
    page = login(org.people.author).get(near_miss.get_absolute_url()).content.decode()
    assert TEXTS["what_happened"] in page and "Start a post-mortem" not in page and "Dismiss" not in page


# Promotion ---------------------------------------------------------------------------------------

def test_promotion_starts_a_draft_pre_filled_from_the_report_and_authored_by_the_lead(login, org):
    theme = factories.shared_theme("Capacity")
    near_miss = make_near_miss(org.payments, reporter=org.people.member, status="acknowledged", themes=[theme])
    response = login(org.people.lead).post(url("promote", near_miss))
    draft = PostMortem.objects.get()
    near_miss.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == reverse("postmortems:edit", args=[draft.pk])
    assert (near_miss.status, near_miss.promoted_to) == ("promoted", draft)
    assert (draft.kind, draft.team, draft.status) == ("technical", org.payments, "draft")
    assert draft.title == f"Near miss: {TEXTS['what_happened']}"
    assert draft.summary == TEXTS["what_happened"]
    assert TEXTS["what_stopped_it"] in draft.impact
    assert draft.contributing_factors == TEXTS["likelier_next_time"]
    assert [factor.theme for factor in draft.factors.all()] == [theme]
    assert list(draft.authors.all()) == [org.people.lead] and draft.created_by == org.people.lead
    (revision,) = draft.revisions.all()
    assert revision.author == org.people.lead and revision.note == triage.PROMOTION_NOTE


def test_promoted_people_near_miss_becomes_a_restricted_people_incident_with_default_viewers(login, org):
    org.payments.default_viewers.add(org.people.viewer)
    near_miss = make_near_miss(org.payments, kind="people", anonymous=True)
    login(org.people.lead).post(url("promote", near_miss))
    draft = PostMortem.objects.get()
    assert draft.kind == "people"
    assert list(draft.viewers.all()) == [org.people.viewer]
    assert login(org.people.viewer).get(draft.get_absolute_url()).status_code == 200
    assert login(org.people.member).get(draft.get_absolute_url()).status_code == 404
    assert login(org.people.author).get(draft.get_absolute_url()).status_code == 404


def test_promoted_draft_opens_in_the_editor_for_the_lead(login, org):
    near_miss = make_near_miss(org.payments, kind="people")
    response = login(org.people.lead).post(url("promote", near_miss), follow=True)
    assert response.status_code == 200
    assert TEXTS["likelier_next_time"] in response.content.decode()


def test_promoting_twice_from_two_tabs_makes_one_draft(login, org):
    near_miss = make_near_miss(org.payments)
    client = login(org.people.lead)
    client.post(url("promote", near_miss))
    second = client.post(url("promote", near_miss), follow=True)
    assert PostMortem.objects.count() == 1
    assert "promoted to a post-mortem meanwhile" in second.content.decode()
    assert NearMiss.objects.get().promoted_to == PostMortem.objects.get()


def test_a_stale_tab_cannot_dismiss_or_acknowledge_a_promoted_report(org):
    near_miss = make_near_miss(org.payments)
    stale = NearMiss.objects.get(pk=near_miss.pk)
    draft = triage.promote(near_miss, by=org.people.lead)
    with pytest.raises(triage.AlreadyPromoted):
        triage.dismiss(stale, reason="Old tab", by=org.people.lead)
    with pytest.raises(triage.AlreadyPromoted):
        triage.acknowledge(stale, themes=[], by=org.people.lead)
    near_miss.refresh_from_db()
    assert (near_miss.status, near_miss.promoted_to) == ("promoted", draft)


@pytest.mark.django_db(transaction=True)
def test_two_leads_promoting_at_once_make_one_draft(org):
    from postmortems.models import Membership

    second_lead = factories.make_user("lee")
    factories.add_member(org.payments, second_lead, Membership.Role.LEAD)
    near_miss = make_near_miss(org.payments)
    start, outcomes = threading.Barrier(2), []

    def promote(lead):
        try:
            start.wait()
            triage.promote(NearMiss.objects.get(pk=near_miss.pk), by=lead)
            outcomes.append("promoted")
        except triage.AlreadyPromoted:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=promote, args=(lead,)) for lead in (org.people.lead, second_lead)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["promoted", "refused"]
    assert PostMortem.objects.count() == 1
    assert NearMiss.objects.get().promoted_to == PostMortem.objects.get()


def test_promoted_report_offers_no_more_triage(login, org):
    near_miss = make_near_miss(org.payments)
    triage.promote(near_miss, by=org.people.lead)
    page = login(org.people.lead).get(near_miss.get_absolute_url()).content.decode()
    assert "Start a post-mortem" not in page and "Open the post-mortem" in page


# Anonymity after promotion -------------------------------------------------------------------

def identifying(person):
    return [person.username, person.email, person.first_name, person.last_name, person.get_full_name()]


@pytest.mark.parametrize("kind", ["technical", "people"])
def test_anonymous_reporter_appears_nowhere_after_promotion(login, org, kind):
    # A name that no page would contain by chance (unlike "mo", which is in "Post-mortems").
    reporter = factories.make_user("zquillon", first_name="Zephyrine", last_name="Quillfeather")
    factories.add_member(org.payments, reporter)
    login(reporter).post(reverse("nearmisses:report"),
                         {"kind": kind, "team": org.payments.pk, "anonymous": "on", **TEXTS})
    near_miss = NearMiss.objects.get()
    lead = login(org.people.lead)
    lines = captured_log_lines(lambda: lead.post(url("promote", near_miss)))
    draft = PostMortem.objects.get()

    assert reporter not in draft.authors.all() and reporter not in draft.viewers.all()
    assert draft.created_by == org.people.lead
    assert all(revision.author == org.people.lead for revision in draft.revisions.all())
    pages = [lead.get(draft.get_absolute_url()), lead.get(reverse("postmortems:revision", args=[draft.pk, 1])),
             lead.get(near_miss.get_absolute_url())]
    assert [response.status_code for response in pages] == [200, 200, 200]
    stored = [str(revision.snapshot) + revision.note for revision in draft.revisions.all()]
    stored.append(" ".join(str(getattr(draft, name)) for name in ["title", *PostMortem.SECTIONS]))
    for text in [response.content.decode() for response in pages] + stored:
        for value in identifying(reporter):
            assert value not in text
    # The editor's people pickers list everyone; what matters is who is chosen.
    chosen = factories.open_editor(lead, reverse("postmortems:edit", args=[draft.pk]))
    assert chosen["authors"] == str(org.people.lead.pk)
    assert str(reporter.pk) not in str(chosen.get("viewers", ""))
    (line,) = lines
    assert line["user_id"] == org.people.lead.pk
    assert not any(value in str(line) for value in identifying(reporter))
    assert mail.outbox == []


def test_named_reporter_is_not_made_an_author_either(org):
    near_miss = make_near_miss(org.payments, reporter=org.people.member)
    draft = triage.promote(near_miss, by=org.people.lead)
    assert list(draft.authors.all()) == [org.people.lead]


def test_hostile_report_text_stays_inert_in_the_promoted_draft(login, org):
    hostile = '<script>alert("x")</script> [link](javascript:alert(1)) <img src=x onerror=alert(1)>'
    near_miss = make_near_miss(org.payments, what_happened=hostile, what_stopped_it=hostile,
                               likelier_next_time=hostile)
    draft = triage.promote(near_miss, by=org.people.lead)
    page = login(org.people.lead).get(draft.get_absolute_url()).content.decode()
    assert "<script>alert" not in page
    assert 'href="javascript:' not in page
    assert "<img src=x" not in page
