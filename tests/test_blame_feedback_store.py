"""Feedback from the editor: "not blame here" sets a sentence aside, "the check missed blame" is kept for the leads."""
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from blamefeedback.feedback import dismissed_sentences, findings_with_sentences, normalise_sentence
from blamefeedback.models import BlameFeedback
from postmortems.blame import analyze, sentence_at
from postmortems.models import PostMortem
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

COUNTERFACTUAL = "Sam should have rolled back sooner."
LOADED = "It was a careless change to the load balancer."
CLEAN = "The replica lag rose to nine minutes before the alarm fired."
HTMX = {"HX-Request": "true"}


def url(name, *args):
    return reverse(name, args=args)


def html(response):
    return response.content.decode()


def marks(response_or_html, section=None):
    """The highlighted wordings of a findings fragment (or of one section of the editor)."""
    page = response_or_html if isinstance(response_or_html, str) else html(response_or_html)
    if section:
        page = page.split(f'<div id="blame-{section}"', 1)[1].split("<details", 1)[0].split('id="preview-', 1)[0]
    return re.findall(r'<mark class="blame-mark"[^>]*>([^<]*)</mark>', page)


def report_missed(client, postmortem, section="summary", *, sentence, category="", note="", htmx=True):
    data = {"postmortem": postmortem.pk, "is_blame": section, f"missed-{section}-sentence": sentence,
            f"missed-{section}-category": category, f"missed-{section}-note": note}
    return client.post(url("blamefeedback:is-blame"), data, headers=HTMX if htmx else {})


@pytest.fixture
def author(org, login):
    return login(org.people.author)


@pytest.fixture
def draft(org):
    return factories.make_postmortem(org.payments, authors=[org.people.author], title="Checkout stalled",
                                     summary=f"{COUNTERFACTUAL} {LOADED}")


@pytest.fixture
def people_incident(org):
    return factories.make_postmortem(org.payments, kind="people", authors=[org.people.author],
                                     title="Escalation lost", summary=COUNTERFACTUAL)


# Storing "not blame here" --------------------------------------------------------------------

def test_not_blame_stores_the_sentence_its_finding_and_who_when(org, author, draft):
    before = timezone.now()
    assert factories.press_not_blame(author, draft, "summary", draft.summary).status_code == 200
    feedback = BlameFeedback.objects.get()
    assert (feedback.postmortem, feedback.section, feedback.kind) == (draft, "summary", "not_blame")
    assert (feedback.sentence, feedback.finding_category, feedback.finding_text) == (
        COUNTERFACTUAL, "counterfactual", "should have rolled")
    assert feedback.created_by == org.people.author and feedback.created_at >= before
    assert (feedback.status, feedback.reviewed_by, feedback.reviewed_at) == ("pending", None, None)


def test_not_blame_keeps_the_authors_note(author, draft):
    factories.press_not_blame(author, draft, "summary", draft.summary, note="Sam is the deploy bot's name.")
    assert BlameFeedback.objects.get().note == "Sam is the deploy bot's name."


def test_not_blame_records_the_finding_whose_button_was_pressed(author, draft):
    text = "It was a careless change, and Sam should have rolled back sooner."
    buttons = factories.not_blame_buttons(html(factories.live_check(author, draft, "summary", text)))
    assert len(buttons) == 2 and len({value.rsplit(":", 1)[0] for value in buttons}) == 1, "one sentence, two findings"
    factories.press_not_blame(author, draft, "summary", text, button=1)
    assert BlameFeedback.objects.get().finding_category == buttons[1].rsplit(":", 1)[1]


def test_pressing_not_blame_twice_stores_one_row(author, draft):
    factories.press_not_blame(author, draft, "summary", draft.summary)
    key = BlameFeedback.objects.get().sentence_hash
    data = {"postmortem": draft.pk, "not_blame": f"summary:{key}:counterfactual", "summary": draft.summary}
    response = author.post(url("blamefeedback:not-blame"), data, headers=HTMX)
    assert "Thanks — noted for the team&#x27;s leads" in html(response)
    assert BlameFeedback.objects.count() == 1


def test_the_schema_refuses_the_same_persons_feedback_on_a_sentence_twice(org, draft):
    from django.db import IntegrityError

    factories.add_feedback(draft, by=org.people.author)
    with pytest.raises(IntegrityError):
        factories.add_feedback(draft, by=org.people.author, sentence="sam  SHOULD have rolled back sooner.")


def test_two_authors_may_each_mark_the_same_sentence(org, login, draft):
    draft.authors.add(org.people.member)
    factories.press_not_blame(login(org.people.author), draft, "summary", draft.summary)
    factories.press_not_blame(login(org.people.lead), draft, "summary", draft.summary)
    assert BlameFeedback.objects.filter(kind="not_blame").count() == 2


def test_not_blame_strips_control_characters_and_caps_the_note(author, draft):
    factories.press_not_blame(author, draft, "summary", draft.summary, note="\x00Bot\x07 name " + "x" * 5000)
    note = BlameFeedback.objects.get().note
    assert note.startswith("Bot name ") and len(note) == 1000


def test_not_blame_on_wording_no_longer_flagged_stores_nothing(author, draft):
    data = {"postmortem": draft.pk, "not_blame": "summary:0123456789abcdef:counterfactual", "summary": CLEAN}
    response = author.post(url("blamefeedback:not-blame"), data, headers=HTMX)
    assert response.status_code == 200
    assert "has changed since it was checked" in html(response)
    assert not BlameFeedback.objects.exists()


@pytest.mark.parametrize("value", ["", "summary", "password:abc:counterfactual", "version:abc:x"])
def test_not_blame_refuses_an_unknown_finding(author, draft, value):
    data = {"postmortem": draft.pk, "not_blame": value, "summary": draft.summary}
    assert author.post(url("blamefeedback:not-blame"), data, headers=HTMX).status_code == 400


# The set-aside sentence is no longer flagged -----------------------------------------------

def test_not_blame_answers_with_the_sections_findings_less_that_sentence_and_thanks(author, draft):
    response = factories.press_not_blame(author, draft, "summary", draft.summary)
    assert marks(response) == ["careless"]
    assert "Thanks — noted for the team&#x27;s leads." in html(response)


def test_a_set_aside_sentence_is_gone_from_the_live_check(author, draft):
    factories.press_not_blame(author, draft, "summary", draft.summary)
    assert marks(factories.live_check(author, draft, "summary", draft.summary)) == ["careless"]


def test_a_set_aside_sentence_stays_set_aside_when_moved_and_respaced(author, draft):
    factories.press_not_blame(author, draft, "summary", draft.summary)
    moved = f"{CLEAN}\n\nSam  should have\nrolled back sooner."
    assert marks(factories.live_check(author, draft, "summary", moved)) == []


def test_the_same_sentence_in_another_section_is_still_flagged(author, draft):
    factories.press_not_blame(author, draft, "summary", draft.summary)
    assert marks(factories.live_check(author, draft, "lessons", COUNTERFACTUAL)) == ["should have rolled"]


def test_the_same_sentence_in_another_post_mortem_is_still_flagged(org, author, draft):
    factories.press_not_blame(author, draft, "summary", draft.summary)
    other = factories.make_postmortem(org.payments, authors=[org.people.author], summary=COUNTERFACTUAL)
    assert marks(factories.live_check(author, other, "summary", COUNTERFACTUAL)) == ["should have rolled"]
    assert marks(author.get(url("postmortems:edit", other.pk)), "summary") == ["should have rolled"]


def test_a_set_aside_sentence_is_gone_from_the_editor(author, draft):
    factories.press_not_blame(author, draft, "summary", draft.summary)
    assert marks(author.get(url("postmortems:edit", draft.pk)), "summary") == ["careless"]


def test_a_set_aside_sentence_needs_no_reason_at_publish(author, draft):
    factories.press_not_blame(author, draft, "summary", draft.summary)
    response, _ = factories.submit_editor(author, url("postmortems:edit", draft.pk), "publish", summary=COUNTERFACTUAL)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == PostMortem.Status.PUBLISHED


def test_the_publish_review_still_asks_about_the_other_sentences(author, draft):
    factories.press_not_blame(author, draft, "summary", draft.summary)
    response, _ = factories.submit_editor(author, url("postmortems:edit", draft.pk), "publish")
    panel = html(response).split('id="publish-review"', 1)[1].split("</section>", 1)[0]
    assert "“careless”" in panel and "should have rolled" not in panel


def test_the_detail_page_no_longer_warns_about_a_set_aside_sentence(author, org):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author], summary=COUNTERFACTUAL)
    factories.press_not_blame(author, postmortem, "summary", COUNTERFACTUAL)
    assert "The wording check found" not in html(author.get(url("postmortems:detail", postmortem.pk)))


def test_published_blame_counts_leave_out_set_aside_sentences(author, draft):
    factories.press_not_blame(author, draft, "summary", draft.summary)
    draft.measure_blame_language()
    assert draft.blame_counts["counterfactual"] == 0
    assert draft.blame_counts["loaded_judgement"] == 1


def test_a_rejected_not_blame_brings_the_finding_back(org, author, draft):
    factories.press_not_blame(author, draft, "summary", draft.summary)
    BlameFeedback.objects.get().decide("rejected", by=org.people.lead)
    assert marks(factories.live_check(author, draft, "summary", draft.summary)) == ["should have rolled", "careless"]


def test_an_accepted_not_blame_keeps_the_sentence_set_aside(org, author, draft):
    factories.press_not_blame(author, draft, "summary", draft.summary)
    BlameFeedback.objects.get().decide("accepted", by=org.people.lead)
    assert dismissed_sentences(draft) == {("summary", normalise_sentence(COUNTERFACTUAL))}


def test_pressing_not_blame_again_after_a_rejection_says_a_lead_kept_it(org, author, draft):
    factories.press_not_blame(author, draft, "summary", draft.summary)
    BlameFeedback.objects.get().decide("rejected", by=org.people.lead)
    response = factories.press_not_blame(author, draft, "summary", draft.summary)
    assert "A lead has already reviewed this sentence" in html(response)
    assert marks(response) == ["should have rolled", "careless"]
    assert BlameFeedback.objects.get().status == "rejected"


def test_sentences_found_for_findings_are_the_ones_sentence_at_finds():
    text = f"# Summary\n\n{CLEAN} {COUNTERFACTUAL}\n\n```\nbob should have run it\n```\n\n* {LOADED}\n"
    pairs = findings_with_sentences(text, analyze(text))
    assert pairs
    for finding, sentence in pairs:
        start, end = sentence_at(text, finding.start)
        assert sentence == text[start:end]


# The editor offers it --------------------------------------------------------------------------

def test_each_finding_of_a_saved_post_mortem_offers_not_blame_here(author, draft):
    page = html(author.get(url("postmortems:edit", draft.pk)))
    assert len(factories.not_blame_buttons(page)) == 2
    assert 'id="blame-feedback-form"' in page


def test_a_new_post_mortem_offers_no_feedback(author):
    response = factories.live_check(author, None, "summary", COUNTERFACTUAL)
    assert marks(response) == ["should have rolled"]
    assert factories.not_blame_buttons(html(response)) == []
    page = html(author.get(url("postmortems:create") + "?kind=technical"))
    assert "Did the check miss blame" not in page and 'id="blame-feedback-form"' not in page


def test_feedback_controls_belong_to_a_form_outside_the_editor(author, draft):
    """Forms cannot nest: the controls name their own form, so saving the editor never posts them."""
    page = html(author.get(url("postmortems:edit", draft.pk)))
    editor = page.split('id="postmortem-form"', 1)[1].split("</form>", 1)[0]
    assert "<form" not in editor
    for control in re.findall(r'<(?:input|button|textarea|select)[^>]*name="(?:not_blame|is_blame|note-|missed-)[^>]*>', editor):
        assert 'form="blame-feedback-form"' in control or 'form="missed-blame-form"' in control, control


def test_each_section_asks_whether_the_check_missed_blame(author, draft):
    page = html(author.get(url("postmortems:edit", draft.pk)))
    assert page.count("<summary>Did the check miss blame in this section?</summary>") == len(PostMortem.SECTIONS)


def test_the_publish_review_offers_not_blame_for_blame_findings_only(org, author, draft):
    factories.add_action_item(draft, owner=org.people.author, title="Be more careful with deploys")
    response, _ = factories.submit_editor(author, url("postmortems:edit", draft.pk), "publish")
    panel = html(response).split('id="publish-review"', 1)[1].split("</section>", 1)[0]
    items = re.findall(r"<li[^>]*>.*?</li>", panel, flags=re.S)
    blame = [item for item in items if "Action items" not in item]
    actions = [item for item in items if "Action items" in item]
    assert blame and actions, "the example needs both kinds of finding"
    assert all(factories.not_blame_buttons(item) for item in blame)
    assert not any(factories.not_blame_buttons(item) for item in actions)


def test_not_blame_from_the_publish_review_clears_its_item(author, draft):
    response = factories.press_not_blame(author, draft, "summary", draft.summary, review="1")
    key = re.search(r'<li[^>]*id="review-item-([0-9a-f]+)"[^>]*hx-swap-oob="true"', html(response)).group(1)
    from postmortems import publishing

    [item] = [item for item in publishing.findings_in({"summary": COUNTERFACTUAL}) if item.section == "summary"]
    assert key == item.key
    assert "no reason now" in html(response)


# Without JavaScript -----------------------------------------------------------------------------

def test_not_blame_without_javascript_goes_back_to_the_editor_with_a_message(author, draft):
    response = factories.press_not_blame(author, draft, "summary", draft.summary, htmx=False)
    assert response.status_code == 302 and response["Location"] == url("postmortems:edit", draft.pk)
    assert BlameFeedback.objects.get().sentence == COUNTERFACTUAL
    page = html(author.get(response["Location"]))
    assert "Thanks — noted for the team&#x27;s leads." in page
    assert marks(page, "summary") == ["careless"]


def test_is_blame_without_javascript_goes_back_to_the_editor_with_a_message(author, draft):
    response = report_missed(author, draft, sentence="Priya broke the build again.", htmx=False)
    assert response.status_code == 302 and response["Location"] == url("postmortems:edit", draft.pk)
    assert "Thanks — noted for the team&#x27;s leads." in html(author.get(response["Location"]))


# Storing "the check missed blame" ------------------------------------------------------------------

def test_is_blame_stores_the_sentence_category_note_and_who_when(org, author, draft):
    before = timezone.now()
    response = report_missed(author, draft, "lessons", sentence="Priya broke the build again.",
                             category="individual_blame", note="Names a person as the cause.")
    assert response.status_code == 200
    feedback = BlameFeedback.objects.get()
    assert (feedback.kind, feedback.section, feedback.sentence) == ("is_blame", "lessons", "Priya broke the build again.")
    assert (feedback.finding_category, feedback.note) == ("individual_blame", "Names a person as the cause.")
    assert feedback.created_by == org.people.author and feedback.created_at >= before
    assert feedback.status == "pending"


def test_is_blame_may_leave_the_category_to_the_leads(author, draft):
    report_missed(author, draft, sentence="Priya broke the build again.")
    assert BlameFeedback.objects.get().finding_category == ""


def test_is_blame_thanks_and_clears_the_fields(author, draft):
    response = report_missed(author, draft, sentence="Priya broke the build again.")
    page = html(response)
    assert "Thanks — noted for the team&#x27;s leads." in page and 'hx-swap-oob="innerHTML"' in page
    assert "Priya broke the build again." not in page


def test_is_blame_without_a_sentence_stores_nothing_and_says_why(author, draft):
    response = report_missed(author, draft, sentence="   ", note="keep this")
    assert response.status_code == 200
    assert "Paste or type the sentence the check missed." in html(response)
    assert "keep this" in html(response)
    assert not BlameFeedback.objects.exists()


def test_is_blame_refuses_more_than_a_sentence(author, draft):
    response = report_missed(author, draft, sentence="Blame. " * 400)
    assert "Paste just the one sentence" in html(response)
    assert not BlameFeedback.objects.exists()


def test_is_blame_refuses_an_unknown_section(author, draft):
    data = {"postmortem": draft.pk, "is_blame": "password", "missed-password-sentence": "Priya broke it."}
    assert author.post(url("blamefeedback:is-blame"), data, headers=HTMX).status_code == 400


def test_is_blame_does_not_change_what_the_check_flags(author, draft):
    report_missed(author, draft, sentence=CLEAN)
    assert marks(factories.live_check(author, draft, "summary", CLEAN)) == []


# Who may give feedback ---------------------------------------------------------------------------

def feedback_requests(postmortem, section="summary"):
    """Every request that gives feedback on (or live-checks) this post-mortem, as (url, data)."""
    return [
        (url("blamefeedback:not-blame"), {"postmortem": postmortem.pk, "not_blame": f"{section}:abc:counterfactual",
                                          section: COUNTERFACTUAL}),
        (url("blamefeedback:is-blame"), {"postmortem": postmortem.pk, "is_blame": section,
                                         f"missed-{section}-sentence": "Priya broke it."}),
        (url("postmortems:blame-check"), {"postmortem": postmortem.pk, "section": section, section: COUNTERFACTUAL}),
    ]


def test_an_author_of_another_team_gets_404_for_every_feedback_request(org, login, draft):
    other = factories.make_user("zed")
    factories.add_member(org.search, other)
    client = login(other)
    for path, data in feedback_requests(draft):
        assert client.post(path, data, headers=HTMX).status_code == 404, path
    assert not BlameFeedback.objects.exists()


def test_a_member_who_cannot_see_a_people_incident_gets_404_on_every_feedback_url(org, login, people_incident):
    client = login(org.people.member)
    for path, data in feedback_requests(people_incident):
        assert client.post(path, data, headers=HTMX).status_code == 404, path
    feedback = factories.add_feedback(people_incident, by=org.people.author)
    assert client.post(url("blamefeedback:decide", feedback.pk), {"decision": "accepted"}).status_code == 404
    assert not BlameFeedback.objects.exclude(pk=feedback.pk).exists()


def test_a_viewer_who_may_read_but_not_edit_gets_403(org, login, people_incident):
    people_incident.viewers.add(org.people.viewer)
    client = login(org.people.viewer)
    for path, data in feedback_requests(people_incident):
        assert client.post(path, data, headers=HTMX).status_code == 403, path
    assert not BlameFeedback.objects.exists()


def test_the_teams_lead_may_give_feedback_on_a_people_incident(org, login, people_incident):
    response = factories.press_not_blame(login(org.people.lead), people_incident, "summary", COUNTERFACTUAL)
    assert response.status_code == 200
    assert BlameFeedback.objects.get().created_by == org.people.lead


@pytest.mark.parametrize("pk", ["", "abc", "999999"])
def test_feedback_for_a_missing_post_mortem_is_404(author, pk):
    data = {"postmortem": pk, "not_blame": "summary:abc:counterfactual", "summary": COUNTERFACTUAL}
    assert author.post(url("blamefeedback:not-blame"), data).status_code == 404


def test_live_check_for_a_post_mortem_given_by_a_bad_id_is_404(author):
    data = {"postmortem": "1 OR 1=1", "section": "summary", "summary": COUNTERFACTUAL}
    assert author.post(url("postmortems:blame-check"), data).status_code == 404


@pytest.mark.parametrize("name", ["blamefeedback:not-blame", "blamefeedback:is-blame"])
def test_feedback_refuses_get(author, name):
    assert author.get(url(name)).status_code == 405


@pytest.mark.parametrize("name", ["blamefeedback:not-blame", "blamefeedback:is-blame"])
def test_feedback_requires_login(client, db, name):
    response = client.post(url(name), {})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# Hostile input ------------------------------------------------------------------------------------

def test_hostile_note_is_stored_as_typed_and_the_editor_escapes_the_sentence(author, org):
    hostile = "<script>alert(1)</script> Sam should have rolled back sooner."
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author], summary=hostile)
    response = factories.press_not_blame(author, postmortem, "summary", hostile,
                                         note='<img src=x onerror=alert(2)> <a href="javascript:alert(3)">x</a>')
    assert "<script>" not in html(response)
    feedback = BlameFeedback.objects.get()
    assert feedback.sentence == hostile
    assert feedback.note == '<img src=x onerror=alert(2)> <a href="javascript:alert(3)">x</a>'
