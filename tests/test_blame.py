"""The blame-language detector: categories, systemic negatives, Markdown awareness, offsets."""
import pytest

from postmortems.blame import CATEGORIES, Finding, analyze


def categories(text):
    return {finding.category for finding in analyze(text)}


def flagged(text):
    return [finding.text for finding in analyze(text)]


# Individual blame


def test_named_person_pushing_without_review_is_individual_blame():
    assert "individual_blame" in categories("Kevin deployed the schema change without asking anyone.")


def test_singled_out_junior_role_running_a_risky_step_is_individual_blame():
    assert "individual_blame" in categories("The intern deleted the wrong bucket on Friday.")


def test_role_ignoring_an_alert_is_individual_blame():
    assert "individual_blame" in categories("The on-call ignored the disk alert for an hour.")


def test_possessive_mistake_of_a_named_person_is_individual_blame():
    assert flagged("Omar's mistake took checkout down.") == ["Omar's mistake"]


def test_outage_caused_by_a_person_is_individual_blame():
    assert "individual_blame" in categories("The outage was caused by a technician who pulled the cable.")


def test_manager_dropping_the_ball_is_individual_blame():
    assert "individual_blame" in categories("Her manager dropped the ball on the hand-over.")


# Counterfactual


def test_person_subject_with_should_have_is_counterfactual():
    assert "counterfactual" in categories("The lead should have asked the database team first.")


def test_named_person_in_if_had_clause_is_counterfactual():
    assert "counterfactual" in categories("If Lena had run the dry-run, nothing would have broken.")


def test_department_failing_to_follow_up_is_counterfactual():
    assert "counterfactual" in categories("Legal failed to reply to the vendor in time.")


def test_not_bothering_is_counterfactual():
    assert "counterfactual" in categories("The reviewer didn't bother to open the diff.")


def test_counterfactual_suggests_a_passive_description_of_the_gap():
    (finding,) = analyze("The operator should have checked the replica lag before the failover.")
    assert finding.suggestion.startswith("The replica lag was not checked before the failover")


def test_failed_to_suggests_did_not_with_a_question():
    (finding,) = analyze("The manager failed to escalate the hiring delay.")
    assert "did not escalate" in finding.suggestion and finding.suggestion.endswith("what got in the way?")


# Hindsight


@pytest.mark.parametrize(
    "text",
    [
        "It was obvious that the certificate would expire.",
        "Any decent developer would have seen the race condition.",
        "In hindsight, the fix was trivial.",
        "It was easy to see where the memory went.",
        "Everybody knows you never resize volumes on a Friday.",
    ],
)
def test_hindsight_wording_is_flagged(text):
    assert "hindsight" in categories(text)


def test_negated_obvious_is_not_hindsight():
    assert analyze("It was not obvious from the graphs that the replica was behind.") == []


def test_obviously_in_a_present_fact_is_not_hindsight():
    assert analyze("Those dashboards are obviously useful for capacity planning.") == []


# Loaded judgement


@pytest.mark.parametrize("word", ["careless", "sloppy", "negligent", "reckless", "incompetent"])
def test_character_judgements_are_loaded(word):
    assert "loaded_judgement" in categories(f"The rollout plan was {word}.")


def test_human_error_as_root_cause_is_loaded():
    assert flagged("Root cause: human error.") == ["human error"]


def test_human_error_denied_as_root_cause_in_lessons_is_not_flagged():
    assert analyze("Lesson: human error is never a root cause, only a starting point.") == []


def test_generic_claim_about_everyone_making_mistakes_is_not_flagged():
    assert analyze("Everyone makes a stupid mistake now and then; the system must absorb it.") == []


def test_negated_careless_is_not_flagged():
    assert analyze("Nothing about the change was careless; the tooling hid the target.") == []


# Minimising


def test_just_had_to_is_minimising():
    assert flagged("She just had to flip the flag back.") == ["just had to"]


def test_all_they_had_to_do_is_minimising():
    assert "minimising" in categories("All the reviewer had to do was read the migration.")


def test_just_meaning_a_moment_ago_is_not_minimising():
    assert analyze("We just rolled back the release, and error rates are falling.") == []


def test_just_in_time_is_not_minimising():
    assert analyze("Tokens are minted just-in-time by the gateway.") == []


def test_just_before_a_time_is_not_minimising():
    assert analyze("Just before noon the queue began to grow.") == []


# Systemic subjects are not blame


@pytest.mark.parametrize(
    "text",
    [
        "The job failed to start because the image tag was missing.",
        "The deploy should have been blocked by the test suite.",
        "The error rate rose to nine percent.",
        "The hand-off checklist did not include the pager rota.",
        "The load balancer ignored the failing health check.",
        "The pipeline merged the branch without running the linters.",
        "The alert should have fired at eighty percent.",
        "The on-call did not receive the page because the rota was empty.",
    ],
)
def test_system_subject_is_not_flagged(text):
    assert analyze(text) == []


def test_system_subject_with_should_have_is_not_flagged():
    assert analyze("The canary should have caught the bad build.") == []


def test_discussion_of_blame_itself_is_not_flagged():
    assert analyze("A blameless review does not blame the operator who typed the command.") == []


# Markdown awareness


def test_inline_code_span_is_skipped():
    assert analyze("Run `bob should have checked` and compare.") == []


def test_fenced_code_block_is_skipped():
    text = "Output:\n\n```\nthe on-call ignored the alert\n```\n"
    assert analyze(text) == []


def test_block_quote_of_a_log_is_skipped():
    assert analyze("> 10:02 the engineer failed to authenticate\n") == []


def test_indented_code_block_is_skipped():
    assert analyze("Script:\n\n    he obviously forgot to run it\n") == []


def test_quoted_log_line_is_skipped():
    assert analyze('The log read "ERROR: worker failed_to_start (exit=1)" at 10:04.') == []


def test_word_mentioned_in_quotes_is_not_minimising():
    assert analyze("Treat a request that contains 'just' as a warning sign.") == []


def test_offsets_index_the_original_text_after_skipped_markdown():
    text = "Intro `code` here.\n\n```\nx\n```\n\nThe reviewer was negligent."
    (finding,) = analyze(text)
    assert text[finding.start : finding.end] == "negligent" == finding.text
    assert finding.start == text.index("negligent")


def test_prose_after_a_code_span_on_the_same_line_is_still_checked():
    text = "After `kubectl apply` the engineer should have waited."
    (finding,) = analyze(text)
    assert finding.text == "should have waited"
    assert text[finding.start : finding.end] == finding.text


# Shape and determinism


def test_findings_are_sorted_by_start_and_stable_across_runs():
    text = "Clearly Bob was careless. He should have known better. Priya's mistake made it worse."
    first = analyze(text)
    assert first == analyze(text)
    assert [f.start for f in first] == sorted(f.start for f in first)
    assert len(first) >= 3


def test_finding_is_frozen_and_has_message_and_known_category():
    (finding,) = analyze("The contractor was sloppy.")
    assert isinstance(finding, Finding) and finding.category in CATEGORIES
    assert finding.message and finding.message.endswith(".")
    with pytest.raises(AttributeError):
        finding.start = 0


def test_empty_text_has_no_findings():
    assert analyze("") == []
