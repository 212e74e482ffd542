"""The organisation's vocabulary: terms the blame check never flags, extra terms it flags, and the page for them."""
import re

import pytest
from django.db import IntegrityError
from django.urls import reverse

from blamefeedback.models import VocabularyTerm
from blamefeedback.vocabulary import current_vocabulary
from postmortems.blame import FlaggedTerm, Vocabulary
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

LOADED = "It was a careless change to the load balancer."
JARGON = "The deploy was pushed by a rookie on Friday."
VOCABULARY = reverse("blamefeedback:vocabulary")


def html(response):
    return response.content.decode()


def marks(response):
    return re.findall(r'<mark class="blame-mark"[^>]*>([^<]*)</mark>', html(response))


def add(client, term, action="allow", category="", note=""):
    return client.post(VOCABULARY, {"term": term, "action": action, "category": category, "note": note})


def field_errors(response):
    return re.findall(r'<p id="error_\d+_id_\w+"[^>]*><strong>(.*?)</strong>', html(response), flags=re.S)


@pytest.fixture
def draft(org):
    return factories.make_postmortem(org.payments, authors=[org.people.author], summary="Checkout queued.")


# The vocabulary the check uses ---------------------------------------------------------------------

def test_current_vocabulary_is_empty_without_terms(db):
    assert current_vocabulary() == Vocabulary()


def test_current_vocabulary_holds_allowed_and_flagged_terms(db):
    factories.add_term("Simple")
    factories.add_term("cowboy", action="flag", category="loaded_judgement", note="Say what happened.")
    assert current_vocabulary() == Vocabulary(
        allowed=("Simple",), flagged=(FlaggedTerm("cowboy", category="loaded_judgement", note="Say what happened."),))


def test_current_vocabulary_takes_one_query(db, django_assert_num_queries):
    factories.add_term("Simple")
    factories.add_term("cowboy", action="flag", category="loaded_judgement")
    with django_assert_num_queries(1):
        current_vocabulary()


def test_an_allowed_term_is_no_longer_flagged_in_the_live_check(org, login, draft):
    author = login(org.people.author)
    assert marks(factories.live_check(author, draft, "summary", LOADED)) == ["careless"]
    factories.add_term("careless")
    assert marks(factories.live_check(author, draft, "summary", LOADED)) == []


def test_an_allowed_term_is_matched_in_any_case(org, login, draft):
    factories.add_term("CARELESS")
    assert marks(factories.live_check(login(org.people.author), draft, "summary", LOADED)) == []


def test_a_flagged_term_is_flagged_live_with_its_category_and_note(org, login, draft):
    author = login(org.people.author)
    assert marks(factories.live_check(author, draft, "summary", JARGON)) == []
    factories.add_term("rookie", action="flag", category="individual_blame", note="Say what was done instead.")
    response = factories.live_check(author, draft, "summary", JARGON)
    assert marks(response) == ["rookie"]
    assert 'data-category="individual_blame"' in html(response)
    assert "Say what was done instead." in html(response)


def test_a_flagged_term_applies_to_new_post_mortems_too(org, login):
    factories.add_term("rookie", action="flag", category="loaded_judgement")
    assert marks(factories.live_check(login(org.people.author), None, "summary", JARGON)) == ["rookie"]


def test_a_flagged_term_blocks_publishing_until_explained(org, login, draft):
    factories.add_term("rookie", action="flag", category="loaded_judgement")
    response, _ = factories.submit_editor(login(org.people.author), reverse("postmortems:edit", args=[draft.pk]),
                                          "publish", summary=JARGON)
    assert response.status_code == 200
    panel = html(response).split('id="publish-review"', 1)[1].split("</section>", 1)[0]
    assert "“rookie”" in panel
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_an_allowed_term_no_longer_blocks_publishing(org, login, draft):
    factories.add_term("careless")
    response, _ = factories.submit_editor(login(org.people.author), reverse("postmortems:edit", args=[draft.pk]),
                                          "publish", summary=LOADED)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published"


def test_a_removed_term_stops_applying_at_the_next_check(org, login, lead, draft):
    term = factories.add_term("careless")
    lead.post(reverse("blamefeedback:vocabulary-delete", args=[term.pk]))
    assert marks(factories.live_check(login(org.people.author), draft, "summary", LOADED)) == ["careless"]


# The schema ----------------------------------------------------------------------------------------

def test_the_schema_refuses_a_term_twice_in_another_case(db):
    factories.add_term("Simple")
    with pytest.raises(IntegrityError):
        factories.add_term("sIMPLE", action="flag", category="minimising")


def test_the_schema_refuses_a_flagged_term_without_a_category(db):
    with pytest.raises(IntegrityError):
        factories.add_term("cowboy", action="flag", category="")


# The page -------------------------------------------------------------------------------------------

def test_every_signed_in_person_may_read_the_vocabulary(org, login):
    factories.add_term("Simple", by=org.people.lead)
    response = login(org.people.member).get(VOCABULARY)
    assert response.status_code == 200
    assert "<strong>Simple</strong>" in html(response)
    assert "Add a term" not in html(response) and "Remove" not in html(response)


def test_the_vocabulary_page_needs_sign_in(client, db):
    response = client.get(VOCABULARY)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_vocabulary_page_says_when_there_are_no_terms(lead):
    assert "No terms yet" in html(lead.get(VOCABULARY))


def test_a_lead_adds_an_allowed_term(org, lead):
    response = add(lead, "  Simple ", "allow", category="minimising")
    assert response.status_code == 302
    term = VocabularyTerm.objects.get()
    assert (term.term, term.action, term.category, term.created_by) == ("Simple", "allow", "", org.people.lead)


def test_a_lead_adds_a_flagged_term_with_its_category_and_note(lead):
    add(lead, "cowboy", "flag", category="loaded_judgement", note="Say what was done.")
    term = VocabularyTerm.objects.get()
    assert (term.term, term.action, term.category, term.note) == ("cowboy", "flag", "loaded_judgement",
                                                                   "Say what was done.")


def test_a_superuser_may_add_a_term(login, db):
    admin = factories.make_user("root", is_superuser=True, is_staff=True)
    assert add(login(admin), "Simple").status_code == 302
    assert VocabularyTerm.objects.filter(term="Simple").exists()


def test_a_member_may_not_add_a_term(org, login):
    assert add(login(org.people.member), "Simple").status_code == 403
    assert not VocabularyTerm.objects.exists()


def test_a_duplicate_term_in_another_case_is_refused_and_the_typed_text_kept(lead):
    factories.add_term("Simple")
    response = add(lead, "SIMPLE", "flag", category="minimising", note="my note")
    assert response.status_code == 200
    assert field_errors(response) == ["“SIMPLE” is already in the vocabulary."]
    assert 'value="SIMPLE"' in html(response) and 'value="my note"' in html(response)
    assert VocabularyTerm.objects.count() == 1


def test_an_empty_term_is_refused(lead):
    response = add(lead, "   ")
    assert field_errors(response) == ["Enter a term."]
    assert not VocabularyTerm.objects.exists()


def test_a_term_over_100_characters_is_refused_and_kept(lead):
    long_term = "word " * 25
    response = add(lead, long_term)
    assert field_errors(response) == ["Keep a term to 100 characters (this has 124)."]
    assert long_term.strip() in html(response)
    assert not VocabularyTerm.objects.exists()


def test_a_flagged_term_needs_a_category(lead):
    response = add(lead, "cowboy", "flag")
    assert field_errors(response) == ["Choose the category a flagged term belongs to."]
    assert not VocabularyTerm.objects.exists()


def test_a_lead_removes_a_term(lead):
    term = factories.add_term("Simple")
    response = lead.post(reverse("blamefeedback:vocabulary-delete", args=[term.pk]))
    assert response.status_code == 302
    assert not VocabularyTerm.objects.exists()


def test_a_member_may_not_remove_a_term(org, login):
    term = factories.add_term("Simple")
    assert login(org.people.member).post(reverse("blamefeedback:vocabulary-delete", args=[term.pk])).status_code == 403
    assert VocabularyTerm.objects.exists()


def test_removing_a_term_refuses_get(lead):
    term = factories.add_term("Simple")
    assert lead.get(reverse("blamefeedback:vocabulary-delete", args=[term.pk])).status_code == 405


def test_a_hostile_term_and_note_are_shown_escaped(lead):
    add(lead, "<script>x</script>", "flag", category="loaded_judgement", note='<a href="javascript:alert(1)">go</a>')
    page = html(lead.get(VOCABULARY))
    assert "<script>x</script>" not in page and 'href="javascript:' not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    assert "&lt;a href=&quot;javascript:alert(1)&quot;&gt;go&lt;/a&gt;" in page


def test_control_characters_are_stripped_from_a_term(lead):
    add(lead, "Sim\x00ple\x07")
    assert VocabularyTerm.objects.get().term == "Simple"
