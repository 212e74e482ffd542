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


# Generalisation: rule families for blame that carries no trigger keyword.
# Every sentence below was written for these tests; none comes from a corpus.


def test_every_rule_has_an_explanation():
    from postmortems.blame.detector import RULES
    from postmortems.blame.messages import EXPLANATIONS

    assert all(rule.name in EXPLANATIONS for rule in RULES)


@pytest.mark.parametrize(
    "text",
    [
        # A person or role as the agent of an inherently harmful act.
        "The night operator muted the disk alarm and carried on with the upgrade.",
        "Our release manager brushed aside two warnings from the storage team.",
        "Anika force-pushed over the shared hotfix branch.",
        "The facilities contractor knocked the rack power strip out during the audit.",
        # Destructive acts by a person, or by a person's change or script.
        "Our newest DBA truncated the invoices table on Tuesday.",
        "Bartek's migration locked the accounts table for forty minutes.",
        "The consultant's cleanup script emptied the shared drive.",
        # Passive with a person as agent.
        "The firewall rule was rewritten by Colm without a second reviewer.",
        "The retention setting was overwritten by the platform lead.",
        # Causal frames with a person acting.
        "Billing went dark because Rosalind renamed the queue.",
        "The outage began the moment Henrik merged the schema branch.",
        "Everything was stable until the new admin edited the sudoers file.",
        "Within minutes of Ilse's deploy, the payment page started failing.",
        # Blame located in a person.
        "The whole mess is down to Tobias.",
        "It was Mireille's script that filled the log volume.",
        "The vendor escalation died in Quentin's inbox.",
        "The recruiter left the signed contract sitting in her drafts for a week.",
        # A person acted, and harm followed in the same sentence.
        "The on-call admin rebooted both load balancers together, and the site went dark.",
        "Leopold's rewrite of the auth flow locked every mobile user out.",
        # Skipping a step, and self-approval.
        "Kasimir rotated the signing key without telling the mobile team.",
        "The team lead shipped the hotfix herself on a Sunday night.",
        "The analyst told finance the numbers were final before anyone had checked them.",
        # Disabling a safeguard, misreading a signal.
        "The duty engineer disabled the replication alert last spring.",
        "The junior admin misread the capacity graph.",
    ],
)
def test_person_as_agent_of_harm_without_trigger_word_is_individual_blame(text):
    assert "individual_blame" in categories(text)


@pytest.mark.parametrize(
    "text",
    [
        # The same verbs with a system subject, a remedy, a plan, or the writer's own team.
        "The retention job truncated the audit table because its cutoff date was parsed as 1970.",
        "Marisol drained the node to protect the remaining capacity.",
        "The old partitions were dropped as planned during the maintenance window.",
        "We muted the alarm for the duration of the failover drill.",
        "The change was deployed by Colm at 11:05, and latency recovered.",
        "Errors cleared as soon as Henrik reverted the schema branch.",
        "The queue drained until the consumer restarted.",
        "It was Mireille who noticed the log volume filling.",
        "The ticket waited in a shared queue that had no owner after the reorg.",
        "The on-call admin rebooted the load balancers as the runbook instructs, and the site recovered.",
        "The engineer ran the migration in the approved window, and the table lock took checkout down because the tool did not batch writes.",
        "The support agent relayed the report while checkout was timing out.",
        "The vendor's firmware update took down two storage shelves.",
        "Tomasz force-pushed to his own feature branch, which is normal practice.",
        "The intern ran the restore exactly as the recovery guide described.",
        "Kafka dropped the oldest messages because retention was one hour.",
    ],
)
def test_systemic_uses_of_harm_verbs_are_not_flagged(text):
    assert analyze(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Lorenzo never updated the on-call handbook after the migration.",
        "The support coordinator didn't escalate the refund backlog.",
        "The former owner of the billing job never documented the retry limits.",
        "Nobody on the payments squad bothered to read the deprecation notice.",
        "Nobody in the release meeting checked the rollback plan.",
        "Had the product lead asked the data team, the launch would have slipped a week instead.",
        "The reviewer could easily have spotted the missing index.",
        "She should never have approved the change without a test plan.",
        "The architect chose not to load-test the new gateway.",
    ],
)
def test_omissions_by_people_without_should_are_counterfactual(text):
    assert "counterfactual" in categories(text)


@pytest.mark.parametrize(
    "text",
    [
        "The deploy job never reached the canary stage because the runner was offline.",
        "The on-call could not have spotted the leak because the gateway did not log it.",
        "The partner team failed to hear about the change because the announcement went to an archived list.",
        "The mailbox that nobody was watching collected forty escalations.",
    ],
)
def test_system_omissions_and_defences_are_not_counterfactual(text):
    assert analyze(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Swapping the certificate would have taken her ninety seconds.",
        "Merely restarting the consumer would have cleared the backlog.",
        "Renewing a domain is not that difficult.",
        "It's just paperwork; he could have filed it in an afternoon.",
        "Rotating the token is a two-minute task.",
        "Opening one dashboard is all it takes.",
        "Reading the release notes is hardly a big ask.",
    ],
)
def test_shrinking_someones_task_is_minimising(text):
    assert "minimising" in categories(text)


@pytest.mark.parametrize(
    "text",
    [
        "The schema is not that complex, but the data volume is.",
        "We just switched the traffic back to the primary region.",
        "Failing over takes about thirty seconds, during which writes are rejected.",
    ],
)
def test_describing_systems_or_our_own_steps_is_not_minimising(text):
    assert analyze(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "You'd have to be half asleep to overlook that graph.",
        "You didn't need to be a statistician to see the trend.",
        "Even a brand-new intern would have recognised the error code.",
        "Any senior operator would have told you the disk was too small.",
        "Anyone watching the queue would have noticed it stall.",
        "Of course the migration failed; nobody with a shred of sense runs it at peak.",
        "This was a disaster waiting to happen.",
        "How nobody spotted the expiry date is beyond me.",
    ],
)
def test_claims_that_the_outcome_was_plain_are_hindsight(text):
    assert "hindsight" in categories(text)


@pytest.mark.parametrize(
    "text",
    [
        "It's easy to say in retrospect that the launch should have moved; the freeze made that hard.",
        "It would be tempting to call this a rookie mistake; the better question is why the form allowed it.",
        "In hindsight, the retry setting carried more load than any of us realised.",
        "No one could have predicted both regions failing at once.",
        "Even a perfect alert would not have fired, because the metric was never emitted.",
        "Any alert on queue depth would have caught this earlier, so we are adding one.",
    ],
)
def test_meta_talk_and_systemic_hindsight_are_not_flagged(text):
    assert analyze(text) == []


def test_reported_fear_of_being_judged_is_not_loaded():
    assert analyze("Several engineers said they worried about being seen as lazy if they asked for help.") == []


def test_short_quoted_self_assessment_is_reported_speech():
    assert analyze("The operator wrote that she 'should have waited longer', but the tool showed no progress bar.") == []


def test_no_excuse_is_loaded_judgement():
    assert "loaded_judgement" in categories("There is no excuse for shipping without a rollback plan.")


def test_time_abbreviation_does_not_split_the_sentence():
    (finding,) = [f for f in analyze("Nadia merged her branch at 5 p.m. on a Friday and logged off.") if f.text == "logged off"]
    assert finding.category == "individual_blame"


def test_capitalised_product_is_not_a_person():
    assert analyze("Customers lost orders because Redis evicted the cart keys.") == []


# Blameless post-mortem prose that the broadened rules used to flag.
# Every sentence below was written for these tests; none comes from a corpus or the demo data.


@pytest.mark.parametrize(
    "text",
    [
        "- **One overloaded queue or person**: Interviews were rescheduled by hand.",
        "- **Stretched team**: Weekend cover rested with the same two coordinators.",
        "- **Single point of failure**: One engineer held the only copy of the signing key.",
        "* __Stretched reviewers__: Pull requests waited three days for a second approval.",
    ],
)
def test_bold_theme_label_is_not_read_as_a_claim(text):
    assert analyze(text) == []


def test_loaded_word_inside_a_theme_label_is_still_flagged():
    assert "loaded_judgement" in categories("- **Careless operator**: The restore ran against the live database.")


def test_claim_after_a_theme_label_is_still_checked():
    assert "individual_blame" in categories("- **Root cause**: The release manager ignored the failing canary.")


@pytest.mark.parametrize(
    "text",
    [
        "The receiving team was overloaded for most of the quarter.",
        "Two overloaded coordinators covered the weekend queue.",
        "An overloaded replica lagged behind the primary by ten minutes.",
    ],
)
def test_overloaded_as_a_description_of_load_is_not_blame(text):
    assert analyze(text) == []


def test_a_person_overloading_someone_is_still_blame():
    assert "individual_blame" in categories("The director overloaded the new analyst with three launches at once.")


@pytest.mark.parametrize(
    "text",
    [
        "- Support posted a holding message right away instead of waiting for the full diagnosis.",
        "- Responders listed each theory in the channel instead of guessing in private.",
        "- The two teams paired on the repair instead of splitting the work.",
    ],
)
def test_instead_of_holding_back_in_praise_is_not_counterfactual(text):
    assert analyze(text) == []


def test_instead_of_with_a_prescribed_step_is_still_counterfactual():
    assert "counterfactual" in categories("The operator improvised a fix instead of following the recovery checklist.")


def test_instead_of_waiting_followed_by_harm_is_still_counterfactual():
    assert "counterfactual" in categories("Sofia rolled back instead of waiting, and two hours of orders were lost.")


@pytest.mark.parametrize(
    "text",
    [
        "Night pages fell on three engineers for most of the winter",
        "Most of the rescheduling fell on the two newest coordinators.",
        "It fell on the shift lead to decide when to reopen the queue.",
    ],
)
def test_work_falling_on_people_is_not_blame(text):
    assert analyze(text) == []


def test_blame_falling_on_a_person_is_still_individual_blame():
    assert "individual_blame" in categories("The blame for the lost invoices fell on Okafor.")


@pytest.mark.parametrize(
    "text",
    [
        "**Wed 03 Mar 11:40** — The budget meeting closes without a decision on the new tooling.",
        "The planning call ended without an owner for the data clean-up.",
    ],
)
def test_ending_without_a_decision_is_not_blame(text):
    assert analyze(text) == []


def test_skipping_a_review_is_still_blame():
    assert "individual_blame" in categories("Marek shipped the pricing change without a second review.")


@pytest.mark.parametrize(
    "text",
    [
        "**Fri 12 Sep 07:15** — A lead sees that the new analyst was never given database access.",
        "With only a few new hires each quarter the duplicate-name case never arose; at full volume it happened daily.",
        "When the office moved, the welcome pack did not list the new door codes.",
        "**02:10** — Consumer confirmed to acknowledge each batch without checking for duplicates.",
    ],
)
def test_passive_and_impersonal_subjects_are_not_people(text):
    assert analyze(text) == []


def test_person_omission_is_still_counterfactual():
    assert "counterfactual" in categories("The shift supervisor never documented the workaround.")


def test_reported_content_of_what_was_not_done_is_not_counterfactual():
    assert analyze("The auditors listed what they had and had not sampled.") == []


@pytest.mark.parametrize(
    "text",
    [
        "Only the original vendor knew the spreadsheet had hard-coded exchange rates.",
        "The installer shipped with a hard-coded retry limit of three.",
        "- **Knowledge silo**: Only one analyst knew the report contained hard-coded currency rates.",
    ],
)
def test_hard_coded_as_an_adjective_is_not_blame(text):
    assert analyze(text) == []


def test_a_person_hard_coding_a_secret_is_still_blame():
    assert "individual_blame" in categories("Lucas hard-coded the admin token into the build script.")


@pytest.mark.parametrize(
    "text",
    [
        "The facilitator said plainly at the start that the review would run long.",
        "The vendor's notice explained clearly which regions would be affected.",
    ],
)
def test_plainly_and_clearly_of_saying_are_not_hindsight(text):
    assert analyze(text) == []


def test_clearly_judging_an_action_is_still_hindsight():
    assert "hindsight" in categories("The reviewer clearly skipped the migration file.")


@pytest.mark.parametrize(
    "text",
    [
        "As soon as the root cause was clear, the fix went out within the hour.",
        "The shift notes were clear about which orders were still pending.",
    ],
)
def test_clear_describing_understanding_is_not_hindsight(text):
    assert analyze(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "It was clear that the lead needed to stop the rollout.",
        "The danger was clear to everyone in the room except the approver.",
    ],
)
def test_clear_as_knowable_all_along_is_still_hindsight(text):
    assert "hindsight" in categories(text)


@pytest.mark.parametrize(
    "text",
    [
        "- **Alert fatigue**: Backup warnings fire most nights, so the first two were dismissed.",
        "The early warnings were snoozed because the pager had paged falsely all week.",
    ],
)
def test_agentless_passive_of_alert_fatigue_is_not_individual_blame(text):
    assert "individual_blame" not in categories(text)


def test_month_abbreviation_in_a_timestamp_is_not_a_person():
    assert analyze("**Sat 09 Nov 21:30** — Payroll run finishes without checking the holiday table.") == []
