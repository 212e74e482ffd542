"""Publishing asks for every blame finding to be rewritten or acknowledged, and keeps the record."""
import re

import pytest
from django.urls import reverse

from postmortems.blame import CATEGORIES
from postmortems.models import BlameAcknowledgement, PostMortem
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

COUNTERFACTUAL = "Sam should have rolled back sooner."
LOADED = "It was a careless change to the load balancer."
SYSTEMIC = "The deploy job failed to start."
REWRITTEN = "Rolling back was not in the runbook, so the release stayed live for an hour."
REVIEW_HEADING = "Before publishing:"


def url(name, *args):
    return reverse(f"postmortems:{name}", args=args)


def html(response):
    return response.content.decode()


def reason_boxes(response):
    """{ack field name: typed reason} of the publish review panel."""
    return {name: value for name, value in factories.form_fields(html(response)).items() if name.startswith("ack-")}


def review_panel(response):
    """The publish review panel's HTML ("" when there is none)."""
    page = html(response)
    if 'id="publish-review"' not in page:
        return ""
    return page.split('id="publish-review"', 1)[1].split("</section>", 1)[0]


def counts(**found):
    return {category: found.get(category, 0) for category in CATEGORIES}


@pytest.fixture
def author(org, login):
    return login(org.people.author)


@pytest.fixture
def draft(org):
    return factories.make_postmortem(org.payments, authors=[org.people.author], title="Checkout stalled",
                                     summary="Checkout requests queued behind a slow lock.")


def publish(client, postmortem, **changes):
    return factories.submit_editor(client, url("edit", postmortem.pk), "publish", **changes)


def publish_with_reasons(client, postmortem, reasons, **changes):
    """Press publish, then answer the review panel: `reasons` is a list given to the boxes in order."""
    review, _ = publish(client, postmortem, **changes)
    boxes = list(reason_boxes(review))
    assert len(boxes) == len(reasons), boxes
    data = {**factories.form_fields(html(review)), "action": "publish"}
    data.update(dict(zip(boxes, reasons)))
    return client.post(url("edit", postmortem.pk), data), review


# Publishing from the editor ------------------------------------------------------------------

def test_publishing_blameful_text_saves_nothing(author, draft):
    response, _ = publish(author, draft, summary=COUNTERFACTUAL)
    assert response.status_code == 200
    draft.refresh_from_db()
    assert (draft.status, draft.version, draft.summary) == ("draft", 1, "Checkout requests queued behind a slow lock.")
    assert draft.published_at is None
    assert draft.revisions.count() == 1
    assert not BlameAcknowledgement.objects.exists()


def test_publishing_blameful_text_shows_the_review_panel_with_a_reason_box(author, draft):
    response, _ = publish(author, draft, summary=COUNTERFACTUAL)
    panel = review_panel(response)
    assert f"{REVIEW_HEADING} 1 finding to rewrite or explain" in panel
    assert "<strong>Counterfactual</strong> in <em>Summary</em>: <span class=\"finding-quote\">“should have rolled”" in panel
    [box] = reason_boxes(response)
    assert f'name="{box}"' in panel


def test_publish_review_lists_each_finding_with_its_own_reason_box(author, draft):
    response, _ = publish(author, draft, summary=COUNTERFACTUAL, lessons=LOADED)
    panel = review_panel(response)
    assert f"{REVIEW_HEADING} 2 findings to rewrite or explain" in panel
    assert "<strong>Counterfactual</strong> in <em>Summary</em>: <span class=\"finding-quote\">“should have rolled”" in panel
    assert "<strong>Loaded judgement</strong> in <em>Lessons</em>: <span class=\"finding-quote\">“careless”" in panel
    boxes = reason_boxes(response)
    assert len(boxes) == 2 and set(boxes.values()) == {""}
    for name in boxes:
        assert re.search(rf'<label[^>]*for="{name}"', panel), name
        assert f'name="{name}"' in panel


def test_the_same_wording_twice_in_a_section_asks_for_one_reason(author, draft):
    response, _ = publish(author, draft, summary=f"{COUNTERFACTUAL} Kim should have rolled back too.")
    panel = review_panel(response)
    assert f"{REVIEW_HEADING} 1 finding to rewrite or explain" in panel
    assert len(re.findall(r'<textarea[^>]*name="ack-', panel)) == 1


def test_one_reason_covers_the_same_wording_twice_in_a_section(author, draft):
    response, _ = publish_with_reasons(author, draft, ["Both quotes are from the chat log."],
                                       summary=f"{COUNTERFACTUAL} Kim should have rolled back too.")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published"
    assert draft.blame_counts == counts(counterfactual=2)


def test_publish_review_keeps_the_typed_text(author, draft):
    response, _ = publish(author, draft, summary=COUNTERFACTUAL, impact="Forty orders waited twelve minutes.")
    fields = factories.form_fields(html(response))
    assert fields["summary"] == COUNTERFACTUAL
    assert fields["impact"] == "Forty orders waited twelve minutes."


def test_publish_review_for_a_new_post_mortem_creates_nothing(org, author):
    response, _ = factories.submit_editor(
        author, f"{url('create')}?kind=technical", "publish", title="Checkout stalled", team=org.payments.pk,
        summary=COUNTERFACTUAL,
    )
    assert response.status_code == 200
    assert len(reason_boxes(response)) == 1
    assert not PostMortem.objects.exists()


def test_reasons_for_every_finding_publish(author, draft):
    response, _ = publish_with_reasons(author, draft, ["Quoting Sam's own retro note."], summary=COUNTERFACTUAL)
    assert response.status_code == 302 and response["Location"] == draft.get_absolute_url()
    draft.refresh_from_db()
    assert draft.status == "published" and draft.published_at is not None
    assert draft.summary == COUNTERFACTUAL


def test_acknowledgements_record_who_and_why(org, author, draft):
    publish_with_reasons(author, draft, ["Quoting Sam's own retro note.", "The vendor's words, kept verbatim."],
                         summary=COUNTERFACTUAL, lessons=LOADED)
    rows = {(ack.section, ack.category, ack.phrase, ack.reason, ack.acknowledged_by)
            for ack in BlameAcknowledgement.objects.filter(postmortem=draft)}
    assert rows == {
        ("summary", "counterfactual", "should have rolled", "Quoting Sam's own retro note.", org.people.author),
        ("lessons", "loaded_judgement", "careless", "The vendor's words, kept verbatim.", org.people.author),
    }


def test_publishing_stores_blame_counts_by_category_and_word_count(author, draft):
    publish_with_reasons(author, draft, ["Quoted.", "Quoted."], summary=COUNTERFACTUAL, lessons=LOADED)
    draft.refresh_from_db()
    assert draft.blame_counts == counts(counterfactual=1, loaded_judgement=1)
    # "Checkout stalled" + the summary + the lessons; the other sections are empty.
    assert draft.word_count == 2 + 6 + 9


def test_reasons_for_only_some_findings_still_block(author, draft):
    response, _ = publish_with_reasons(author, draft, ["Quoted from the vendor.", ""],
                                       summary=COUNTERFACTUAL, lessons=LOADED)
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.version == 1
    assert not BlameAcknowledgement.objects.exists()


def test_reasons_for_only_some_findings_are_kept_in_their_boxes(author, draft):
    response, _ = publish_with_reasons(author, draft, ["Quoted from the vendor.", ""],
                                       summary=COUNTERFACTUAL, lessons=LOADED)
    assert sorted(reason_boxes(response).values()) == ["", "Quoted from the vendor."]
    assert f"{REVIEW_HEADING} 2 findings" in html(response)


def test_a_blank_reason_does_not_count_as_an_acknowledgement(author, draft):
    response, _ = publish_with_reasons(author, draft, ["   \n "], summary=COUNTERFACTUAL)
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_rewriting_to_blameless_wording_publishes_without_acknowledgements(author, draft):
    publish(author, draft, summary=COUNTERFACTUAL)
    response, _ = publish(author, draft, summary=REWRITTEN)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published"
    assert draft.blame_counts == counts()
    assert not BlameAcknowledgement.objects.exists()


def test_a_systemic_sentence_does_not_block_publishing(author, draft):
    response, _ = publish(author, draft, summary=SYSTEMIC)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published"
    assert draft.blame_counts == counts()
    assert draft.word_count == 2 + 6


def test_previously_acknowledged_findings_do_not_block_a_later_republish(author, draft):
    publish_with_reasons(author, draft, ["Quoting Sam's own retro note."], summary=COUNTERFACTUAL)
    draft.refresh_from_db()
    author.post(url("status", draft.pk), {"status": "draft", "version": draft.version})

    response, _ = publish(author, draft, impact="Forty orders waited twelve minutes.")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published"
    assert BlameAcknowledgement.objects.filter(postmortem=draft).count() == 1


def test_new_wording_blocks_even_after_earlier_findings_were_acknowledged(author, draft):
    publish_with_reasons(author, draft, ["Quoting Sam's own retro note."], summary=COUNTERFACTUAL)
    draft.refresh_from_db()
    author.post(url("status", draft.pk), {"status": "draft", "version": draft.version})

    response, _ = publish(author, draft, summary=f"{COUNTERFACTUAL} {LOADED}")
    assert response.status_code == 200
    panel = review_panel(response)
    assert f"{REVIEW_HEADING} 1 finding to rewrite or explain" in panel
    assert "“careless”" in panel and "should have rolled" not in panel


def test_a_new_post_mortem_publishes_with_reasons(org, author):
    create = f"{url('create')}?kind=technical"
    review, _ = factories.submit_editor(author, create, "publish", title="Checkout stalled", team=org.payments.pk,
                                        summary=COUNTERFACTUAL)
    data = {**factories.form_fields(html(review)), "action": "publish"}
    [box] = reason_boxes(review)
    data[box] = "Sam asked for this wording."
    response = author.post(create, data)
    assert response.status_code == 302
    postmortem = PostMortem.objects.get()
    assert postmortem.status == "published"
    assert postmortem.acknowledgements.get().reason == "Sam asked for this wording."


# Publishing from the detail page's status button --------------------------------------------

def test_status_button_with_open_findings_sends_the_author_to_the_editor(author, org):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author], summary=COUNTERFACTUAL)
    response = author.post(url("status", postmortem.pk), {"status": "published", "version": 1})
    assert response.status_code == 302 and response["Location"] == url("edit", postmortem.pk)


def test_status_button_with_open_findings_explains_why_and_does_not_publish(author, org):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author], summary=COUNTERFACTUAL)
    response = author.post(url("status", postmortem.pk), {"status": "published", "version": 1}, follow=True)
    assert "Some wording may read as blame" in html(response)
    postmortem.refresh_from_db()
    assert (postmortem.status, postmortem.version, postmortem.published_at) == ("draft", 1, None)


def test_status_button_without_findings_publishes_and_stores_counts(author, org):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author], title="Checkout stalled",
                                           summary=SYSTEMIC)
    response = author.post(url("status", postmortem.pk), {"status": "published", "version": 1})
    assert response.status_code == 302 and response["Location"] == postmortem.get_absolute_url()
    postmortem.refresh_from_db()
    assert postmortem.status == "published"
    assert postmortem.blame_counts == counts()
    assert postmortem.word_count == 2 + 6


def test_status_button_publishes_once_every_finding_was_acknowledged(author, org, draft):
    publish_with_reasons(author, draft, ["Quoted."], summary=COUNTERFACTUAL)
    draft.refresh_from_db()
    author.post(url("status", draft.pk), {"status": "review", "version": draft.version})
    draft.refresh_from_db()

    author.post(url("status", draft.pk), {"status": "published", "version": draft.version})
    draft.refresh_from_db()
    assert draft.status == "published"
    assert draft.blame_counts == counts(counterfactual=1)


def test_status_button_may_move_blameful_drafts_to_review(author, org):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author], summary=COUNTERFACTUAL)
    author.post(url("status", postmortem.pk), {"status": "review", "version": 1})
    postmortem.refresh_from_db()
    assert postmortem.status == "review"


# Who sees the record on the detail page ------------------------------------------------------

@pytest.fixture
def acknowledged(org, login, draft):
    publish_with_reasons(login(org.people.author), draft, ["Sam asked to keep his own words."],
                         summary=COUNTERFACTUAL)
    draft.refresh_from_db()
    assert draft.status == "published"
    return draft


@pytest.mark.parametrize("role", ["author", "lead"])
def test_acknowledged_findings_are_shown_to_authors_and_the_teams_lead(org, login, acknowledged, role):
    page = html(login(getattr(org.people, role)).get(url("detail", acknowledged.pk)))
    assert "Wording kept after review" in page
    assert "“should have rolled”" in page
    assert "Sam asked to keep his own words." in page
    assert "Ada Okafor" in page.split("Wording kept after review")[1]


@pytest.mark.parametrize("role", ["member", "viewer", "other_team", "other_member"])
def test_acknowledged_findings_are_hidden_from_other_readers(everyone, login, acknowledged, role):
    response = login(getattr(everyone.people, role)).get(url("detail", acknowledged.pk))
    assert response.status_code == 200, "a published technical post-mortem is open to read"
    page = html(response)
    assert "Wording kept after review" not in page
    assert "Sam asked to keep his own words." not in page


def test_detail_page_warns_the_author_of_open_findings(org, author):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author], summary=COUNTERFACTUAL)
    page = html(author.get(url("detail", postmortem.pk)))
    assert "The wording check found 1 phrase that may read as blame" in page


def test_detail_page_does_not_warn_readers_of_open_findings(org, login):
    postmortem = factories.make_postmortem(org.payments, status="published", authors=[org.people.author],
                                           summary=COUNTERFACTUAL)
    page = html(login(org.people.other_team).get(url("detail", postmortem.pk)))
    assert "The wording check found" not in page


HOSTILE_REASON = "</textarea><script>alert('kept')</script><img src=x onerror=alert(1)>"


def test_a_hostile_reason_is_kept_escaped_in_its_box(author, draft):
    response, _ = publish_with_reasons(author, draft, [HOSTILE_REASON, ""], summary=COUNTERFACTUAL, lessons=LOADED)
    assert response.status_code == 200
    panel = review_panel(response)
    assert "<script>" not in panel and "<img" not in panel
    assert HOSTILE_REASON in reason_boxes(response).values()


def test_a_hostile_reason_is_escaped_on_the_detail_page(org, login, author, draft):
    publish_with_reasons(author, draft, [HOSTILE_REASON], summary=COUNTERFACTUAL)
    page = html(login(org.people.lead).get(url("detail", draft.pk)))
    assert "<script>alert('kept')" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#x27;kept&#x27;)&lt;/script&gt;" in page
