"""The leads' review of feedback on the blame check: who sees what, filters, accepting and rejecting."""
import re

import pytest
from django.urls import reverse

from blamefeedback.models import BlameFeedback
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

REVIEW = reverse("blamefeedback:review")


def html(response):
    return response.content.decode()


def decide(client, feedback, decision, **extra):
    return client.post(reverse("blamefeedback:decide", args=[feedback.pk]), {"decision": decision, **extra})


def listed_sentences(response):
    return re.findall(r"<blockquote[^>]*>(.*?)</blockquote>", html(response), flags=re.S)


@pytest.fixture
def draft(org):
    return factories.make_postmortem(org.payments, authors=[org.people.author], title="Checkout stalled")


@pytest.fixture
def people_incident(org):
    return factories.make_postmortem(org.payments, kind="people", authors=[org.people.author], title="Escalation lost")


# Who may use the page --------------------------------------------------------------------------

def test_a_member_who_leads_no_team_gets_403(org, login):
    assert login(org.people.member).get(REVIEW).status_code == 403


def test_the_review_page_needs_sign_in(client, db):
    response = client.get(REVIEW)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_navbar_links_the_review_page_for_leads_only(org, login):
    assert f'href="{REVIEW}"' in html(login(org.people.lead).get(reverse("postmortems:list")))
    assert f'href="{REVIEW}"' not in html(login(org.people.member).get(reverse("postmortems:list")))


# What a lead sees ---------------------------------------------------------------------------------

def test_a_lead_sees_pending_feedback_on_their_teams_post_mortems(org, lead, draft):
    factories.add_feedback(draft, by=org.people.author, sentence="Sam should have rolled back sooner.")
    assert listed_sentences(lead.get(REVIEW)) == ["Sam should have rolled back sooner."]


def test_a_lead_sees_feedback_on_their_teams_people_incidents(org, lead, people_incident):
    factories.add_feedback(people_incident, by=org.people.author, sentence="Kim was late again.")
    assert listed_sentences(lead.get(REVIEW)) == ["Kim was late again."]


def test_a_lead_of_another_team_sees_none_of_it_even_when_the_post_mortem_is_published(org, login):
    published = factories.make_postmortem(org.payments, status="published", authors=[org.people.author])
    factories.add_feedback(published, by=org.people.author)
    factories.add_feedback(factories.make_postmortem(org.payments, kind="people", authors=[org.people.author]),
                           by=org.people.author, sentence="Kim was late again.")
    assert listed_sentences(login(org.people.other_team).get(REVIEW)) == []


def test_a_lead_sees_feedback_only_for_the_teams_they_lead(org, login):
    """Leading one team and belonging to another shows the first team's feedback only."""
    third = factories.make_team("Platform")
    person = org.people.other_team
    factories.add_member(third, person)
    theirs = factories.make_postmortem(org.search, kind="people", authors=[org.people.viewer])
    not_theirs = factories.make_postmortem(third, kind="people", authors=[factories.make_user()])
    factories.add_feedback(theirs, by=org.people.viewer, sentence="Visible to the lead.")
    factories.add_feedback(not_theirs, by=not_theirs.authors.get(), sentence="Not for this lead.")
    assert listed_sentences(login(person).get(REVIEW)) == ["Visible to the lead."]


def test_pending_is_shown_unless_another_status_is_chosen(org, lead, draft):
    factories.add_feedback(draft, by=org.people.author, sentence="Pending one.")
    factories.add_feedback(draft, by=org.people.member, sentence="Accepted one.", status="accepted",
                           reviewed_by=org.people.lead)
    factories.add_feedback(draft, by=org.people.lead, sentence="Rejected one.", status="rejected",
                           reviewed_by=org.people.lead)
    assert listed_sentences(lead.get(REVIEW)) == ["Pending one."]
    assert listed_sentences(lead.get(REVIEW, {"status": "accepted"})) == ["Accepted one."]
    assert listed_sentences(lead.get(REVIEW, {"status": "rejected"})) == ["Rejected one."]
    assert sorted(listed_sentences(lead.get(REVIEW, {"status": "all"}))) == ["Accepted one.", "Pending one.",
                                                                            "Rejected one."]


def test_the_list_filters_by_kind(org, lead, draft):
    factories.add_feedback(draft, by=org.people.author, sentence="Set aside.")
    factories.add_feedback(draft, by=org.people.author, sentence="Missed.", kind="is_blame", category="")
    assert listed_sentences(lead.get(REVIEW, {"kind": "not_blame"})) == ["Set aside."]
    assert listed_sentences(lead.get(REVIEW, {"kind": "is_blame"})) == ["Missed."]


def test_each_row_shows_the_finding_note_who_when_and_the_post_mortem(org, lead, draft):
    factories.add_feedback(draft, by=org.people.author, note="Sam is the deploy bot.")
    page = html(lead.get(REVIEW))
    assert "Counterfactual: “should have rolled”" in page
    assert "Sam is the deploy bot." in page
    assert "Ada Okafor" in page and "<time datetime=" in page
    assert f'<a href="{draft.get_absolute_url()}">Checkout stalled</a> · Summary' in page
    assert 'name="decision" value="accepted"' in page and 'name="decision" value="rejected"' in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_a_missed_blame_row_shows_its_category_or_says_none_was_given(org, lead, draft):
    factories.add_feedback(draft, by=org.people.author, kind="is_blame", category="", sentence="Kim broke it.")
    page = html(lead.get(REVIEW))
    assert "Missed blame" in page and "Not given" in page


def test_the_empty_list_says_so(lead):
    assert "No feedback to show" in html(lead.get(REVIEW))


def test_the_list_shows_25_a_page(org, lead, draft):
    for n in range(26):
        factories.add_feedback(draft, by=org.people.author, sentence=f"Sentence number {n}.")
    assert len(listed_sentences(lead.get(REVIEW))) == 25
    assert len(listed_sentences(lead.get(REVIEW, {"page": 2}))) == 1


def test_the_list_takes_the_same_queries_for_one_item_or_many(org, lead, draft, django_assert_max_num_queries):
    factories.add_feedback(draft, by=org.people.author, sentence="The first.")
    with django_assert_max_num_queries(50) as one:
        lead.get(REVIEW)
    for n in range(10):
        other = factories.make_postmortem(org.payments, authors=[org.people.member])
        factories.add_feedback(other, by=factories.make_user(), sentence=f"Sentence {n}.", status="pending")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(listed_sentences(lead.get(REVIEW))) == 11


def test_hostile_sentence_and_note_are_shown_escaped(org, lead, draft):
    factories.add_feedback(draft, by=org.people.author, sentence="<script>alert(1)</script> Sam should have.",
                           note='<a href="javascript:alert(2)">see</a> <img src=x onerror=alert(3)>')
    page = html(lead.get(REVIEW))
    assert "<script>alert(1)" not in page and 'href="javascript:' not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;a href=&quot;javascript:alert(2)&quot;&gt;see&lt;/a&gt;" in page


def test_a_very_long_note_is_shown_whole_and_escaped(org, lead, draft):
    factories.add_feedback(draft, by=org.people.author, note="<b>" * 250)
    page = html(lead.get(REVIEW))
    assert "&lt;b&gt;" * 250 in page and "<b><b>" not in page


# Accepting and rejecting -------------------------------------------------------------------------

def test_a_lead_accepts_feedback(org, lead, draft):
    feedback = factories.add_feedback(draft, by=org.people.author)
    response = decide(lead, feedback, "accepted")
    assert response.status_code == 302 and response["Location"] == REVIEW
    feedback.refresh_from_db()
    assert (feedback.status, feedback.reviewed_by) == ("accepted", org.people.lead)
    assert feedback.reviewed_at is not None


def test_a_lead_rejects_feedback(org, lead, draft):
    feedback = factories.add_feedback(draft, by=org.people.author)
    decide(lead, feedback, "rejected")
    feedback.refresh_from_db()
    assert (feedback.status, feedback.reviewed_by) == ("rejected", org.people.lead)


def test_a_lead_may_change_their_mind(org, lead, draft):
    feedback = factories.add_feedback(draft, by=org.people.author, status="rejected", reviewed_by=org.people.lead)
    decide(lead, feedback, "accepted")
    feedback.refresh_from_db()
    assert feedback.status == "accepted"


def test_a_decision_returns_to_the_filtered_list(org, lead, draft):
    feedback = factories.add_feedback(draft, by=org.people.author)
    response = decide(lead, feedback, "accepted", next=f"{REVIEW}?kind=not_blame&page=2")
    assert response["Location"] == f"{REVIEW}?kind=not_blame&page=2"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/feedback/", "/admin/"])
def test_a_decision_never_returns_elsewhere(org, lead, draft, next_url):
    feedback = factories.add_feedback(draft, by=org.people.author)
    assert decide(lead, feedback, "accepted", next=next_url)["Location"] == REVIEW


def test_a_member_who_leads_no_team_may_not_accept(org, login, draft):
    feedback = factories.add_feedback(draft, by=org.people.author)
    assert decide(login(org.people.member), feedback, "accepted").status_code == 403
    feedback.refresh_from_db()
    assert feedback.status == "pending"


def test_a_lead_of_another_team_may_not_accept_what_they_can_read(org, login):
    published = factories.make_postmortem(org.payments, status="published", authors=[org.people.author])
    feedback = factories.add_feedback(published, by=org.people.author)
    assert decide(login(org.people.other_team), feedback, "accepted").status_code == 403
    feedback.refresh_from_db()
    assert feedback.status == "pending"


def test_a_lead_of_another_team_gets_404_for_what_they_cannot_read(org, login, people_incident):
    feedback = factories.add_feedback(people_incident, by=org.people.author)
    assert decide(login(org.people.other_team), feedback, "rejected").status_code == 404
    feedback.refresh_from_db()
    assert feedback.status == "pending"


def test_an_unknown_decision_is_refused(org, lead, draft):
    feedback = factories.add_feedback(draft, by=org.people.author)
    assert decide(lead, feedback, "pending").status_code == 400


def test_deciding_refuses_get(org, lead, draft):
    feedback = factories.add_feedback(draft, by=org.people.author)
    assert lead.get(reverse("blamefeedback:decide", args=[feedback.pk])).status_code == 405


def test_decisions_apply_to_the_check_at_once(org, login, lead, draft):
    draft.summary = "Sam should have rolled back sooner."
    draft.save()
    author = login(org.people.author)
    factories.press_not_blame(author, draft, "summary", draft.summary)
    decide(lead, BlameFeedback.objects.get(), "rejected")
    response = factories.live_check(author, draft, "summary", draft.summary)
    assert "should have rolled</mark>" in html(response)
