"""Who a sentence is about: names in any script, contractions, possessive openings, "who" questions.

Blame needs someone to land on, so the detector first has to see the person. These sentences
were written for these tests; each pair shows the check telling blame from a neutral account.
"""
import pytest

from postmortems.blame import analyze
from postmortems.blame.features import refers_to_someone
from postmortems.blame.sentences import split_sentences


def categories(text):
    return {finding.category for finding in analyze(text)}


def sentence(text):
    (only,) = split_sentences(text)
    return only


def test_a_name_with_accents_is_one_word():
    tokens = [token.text for token in sentence("Then Anaïs and Søren paused the export.").tokens]
    assert tokens[:4] == ["Then", "Anaïs", "and", "Søren"]


@pytest.mark.parametrize("text", [
    "Zoë could easily have checked the replica lag before failing over.",
    "Søren never once asked the night shift how the new rota was working for them.",
    "Gwendolyn never once asked the night shift how the new rota was working for them.",
])
def test_a_counterfactual_about_a_named_person_opening_the_sentence_is_flagged(text):
    assert "counterfactual" in categories(text)


@pytest.mark.parametrize("text", [
    "Zoë failed over to the replica at 03:12, once the lag graph showed zero.",
    "The payroll run was moved by Anaïs to Thursday, as the finance calendar asked.",
    "Today's deploy went out at 09:00 after the canary passed.",
])
def test_neutral_sentences_naming_people_stay_unflagged(text):
    assert analyze(text) == []


def test_a_timeline_fact_in_the_passive_is_not_blame_but_a_harm_pinned_on_someone_is():
    assert analyze("The rollback was started by Priya at 14:02, following the runbook.") == []
    assert analyze("The old index was dropped by Sam after the migration finished.") == []
    assert "individual_blame" in categories("The outage was triggered by Priya at 14:02.")
    assert "individual_blame" in categories(
        "The primary was shut down by the on-call engineer, taking checkout offline for an hour.")


@pytest.mark.parametrize("text, expected", [
    ("If you'd read the handover note, you'd have known the flag was renamed.", True),
    ("They're rebuilding the index tonight.", True),
    ("Tjarko's hurried cleanup is why the archive bucket was emptied.", True),
    ("It was Dae-hyun's call to skip the canary.", True),
    ("Seriously, who merges a schema change and logs off before the migration starts?", True),
    ("Today's deploy went out at 09:00.", False),
    ("The Follow-up section lists three changes.", False),
    ("Disk usage on the primary reached 95% at noon.", False),
    ("Who will own the follow-up work?", False),
    ("Who knew the cache would fill up?", False),
    ("Conﬁguration drift meant the replica never got the new setting.", False),  # a PDF's ligature
    ("Naïve retries made the outage longer.", False),
    ("Then Siobha\u0301n left the call.", True),  # a decomposed accent
])
def test_the_sentence_is_about_someone(text, expected):
    assert refers_to_someone(sentence(text)) is expected


@pytest.mark.parametrize("text", [
    "If you'd read the handover note, you'd have known the flag was renamed.",
    "Seriously, who merges a schema change and logs off before the migration has even started?",
    "It was Dae-hyun's call to skip the canary, and every region paid for it.",
    "The sous chef binned the allergy sheet, and table nine paid for it.",
])
def test_blame_aimed_at_someone_the_rules_do_not_name_is_flagged(text):
    assert analyze(text), text


def test_a_plain_question_about_who_did_what_is_not_flagged():
    assert analyze("Who was paged first, and when did they join the call?") == []
