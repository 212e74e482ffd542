"""The blame-language detector: categories, systemic negatives, Markdown awareness, offsets."""
import pytest

from postmortems.blame import CATEGORIES, Finding
from postmortems.blame import analyze as analyze_with_model


def analyze(text, **options):
    """The rules alone: this file is their specification. The learned model's part in the
    decision (vetoing rule findings, flagging what no rule explains) is in test_blame_model.py."""
    return analyze_with_model(text, model=None, **options)



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


# Wording that is quoted to be discussed, not used


@pytest.mark.parametrize(
    "text",
    [
        "Swap “he didn't bother to check the logs” for “the logs were not linked from the alert”.",
        "Rather than writing 'the contractor skipped the dry run', describe what the dry run would have required.",
        "When a reviewer writes 'she should have escalated sooner', ask what escalation looked like that night.",
        "Our style guide lists phrases like 'all he needed to do was restart it' as ones to rewrite.",
        "The manager's email said the team 'never bothers to update the tracker', and we followed that up in the retro.",
    ],
)
def test_quoted_wording_being_discussed_is_not_flagged(text):
    assert analyze(text) == []


def test_blame_outside_the_discussed_quote_is_still_flagged():
    text = "Replace 'obviously' with a description, and note that Omar deleted the wrong bucket."
    assert "individual_blame" in categories(text)


def test_a_quote_without_a_framing_word_is_still_read():
    assert analyze("The summary opened with “the on-call engineer failed to escalate the page for an hour.”") != []


# "Should have" as possession or obligation, not a perfect


@pytest.mark.parametrize(
    "text",
    [
        "Each squad should have a named deputy for the release train.",
        "Every on-call engineer should have access to the break-glass account.",
        "New joiners should have the laptop and accounts ready on day one.",
    ],
)
def test_should_have_with_a_noun_is_not_counterfactual(text):
    assert analyze(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Bjorn should have rung the vendor before the window closed.",
        "The approver should've sent the change back for a second look.",
        "I should have double checked the timezone.",
        "The manager could have at least told the team about the reorg.",
    ],
)
def test_should_have_with_a_participle_is_counterfactual(text):
    assert "counterfactual" in categories(text)


# Reported speech: the speaker is not the actor


def test_organisation_reporting_a_system_cause_is_not_blame():
    text = "The retailer said a faulty load balancer rule sent traffic to the wrong region, and that rules are now peer-reviewed."
    assert analyze(text) == []


def test_organisation_admitting_a_person_acted_is_still_blame():
    assert "individual_blame" in categories("The retailer admitted a contractor ran the cleanup against the wrong region.")


def test_own_team_in_first_person_is_not_singled_out():
    assert analyze("Our squad keeps slipping on estimates, and we think the intake process is why.") == []


# Sarcastic labels


@pytest.mark.parametrize(
    "text",
    [
        "Some bright spark thought it was fine to reuse the staging keys in production.",
        "Our resident rocket scientist hard-coded the admin password.",
        "Some hero decided to hot-patch the primary at lunchtime.",
    ],
)
def test_sarcastic_label_for_the_actor_is_loaded(text):
    assert "loaded_judgement" in categories(text)


@pytest.mark.parametrize(
    "text",
    [
        "The hero image on the landing page failed to load for mobile users.",
        "The genius of the design is that each shard fails alone.",
        "Our hero of the night was the automatic failover, which kicked in within seconds.",
    ],
)
def test_brilliance_words_in_their_plain_sense_are_not_loaded(text):
    assert analyze(text) == []


# Character verdicts


@pytest.mark.parametrize(
    "text",
    [
        "The new coordinator shows no sense of urgency.",
        "The vendor's technician has zero attention to detail.",
        "The team lead had one job and still fumbled it.",
        "Frankly, our release manager is a liability.",
        "Tariq is simply not cut out for incident command.",
        "Legal couldn't even manage that much.",
    ],
)
def test_verdicts_on_a_person_are_loaded(text):
    assert "loaded_judgement" in categories(text)


@pytest.mark.parametrize(
    "text",
    [
        "The retry queue couldn't handle even that much traffic.",
        "The old dashboard has no sense of which alerts matter.",
        "Each service has one job: accept the event and acknowledge it.",
    ],
)
def test_verdict_phrases_about_systems_are_not_loaded(text):
    assert analyze(text) == []


# A person as the cause


@pytest.mark.parametrize(
    "text",
    [
        "The underlying cause was Bartek.",
        "Root cause: the new contractor.",
        "The weak link was the night-shift supervisor.",
        "The regulator singled out a lone technician as the cause of the blackout.",
        "The broadcaster blamed a junior producer for the on-air error.",
        "According to the filing, a warehouse clerk was responsible for the leaked customer list.",
        "The firm let go of the employee responsible for the misconfiguration.",
        "The engineer responsible has been moved to another team.",
        "The regional director called it a silly mistake by one operator.",
    ],
)
def test_person_named_as_the_cause_is_individual_blame(text):
    assert "individual_blame" in categories(text)


@pytest.mark.parametrize(
    "text",
    [
        "The root cause was a retry loop with no backoff.",
        "The root cause was that the lock timeout defaulted to infinity.",
        "The review blamed the deploy tooling for the delay.",
        "The platform team is responsible for the incident response rota.",
        "The engineer responsible for the billing service joined the bridge at 02:10.",
        "The request came from the sales team on Tuesday.",
    ],
)
def test_systems_as_the_cause_and_ownership_are_not_individual_blame(text):
    assert analyze(text) == []


# Singled-out roles using access, people-incident acts


@pytest.mark.parametrize(
    "text",
    [
        "The trainee had root credentials and used them to clear the queue.",
        "The new lead alienated half the team within a month.",
        "The account director kept the engineers in the dark about the contract terms.",
        "Our product owner promised the client a feature that nobody had scoped.",
        "The SRE went ahead with the failover despite the change freeze.",
        "The scrum master let the sprint backlog balloon.",
        "The hiring panel failed to notice the gaps in her references.",
        "The interviewer never got back to the candidate.",
        "The departing manager left no handover notes.",
        "IT couldn't even manage that.",
    ],
)
def test_person_acts_that_do_harm_are_blame(text):
    assert categories(text) & {"individual_blame", "counterfactual", "loaded_judgement"}


@pytest.mark.parametrize(
    "text",
    [
        "The dashboard panel failed to show the error budget burn.",
        "The cron job let the certificate expire because its schedule was commented out.",
        "The migration went ahead as scheduled on Tuesday.",
        "The engineer who owns the service didn't get the page.",
    ],
)
def test_same_acts_by_systems_or_with_reasons_are_not_blame(text):
    assert analyze(text) == []


# Expectations, rhetorical questions and hindsight idioms


@pytest.mark.parametrize(
    "text",
    [
        "The duty manager was meant to review the access log every week.",
        "Noor was expected to update the status page and didn't.",
        "Why did nobody think to test the restore?",
        "So why didn't the approver just ask?",
        "How could they not see it coming?",
        "The analyst made no attempt to reconcile the totals.",
        "Instead of paging the DBA, the on-call spent an hour guessing.",
        "Had the coordinator followed up, we'd have kept the booking.",
        "He should never have been given production access.",
    ],
)
def test_expectations_and_rhetorical_questions_are_counterfactual_or_hindsight(text):
    assert categories(text) & {"counterfactual", "hindsight"}


@pytest.mark.parametrize(
    "text",
    [
        "The nightly job was meant to run at 02:00 but its cron entry was removed.",
        "The team was expected to ship the migration in six weeks.",
        "Why did the on-call engineer restart the primary?",
        "Why didn't the alert fire?",
        "How did the monitoring miss the disk filling up?",
        "Instead of paging the DBA, the alert went to a shared mailbox.",
        "Had the canary stage covered config changes, the error would have been caught early.",
    ],
)
def test_neutral_questions_and_system_expectations_are_not_flagged(text):
    assert analyze(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Anyone watching the graphs could have spotted the leak.",
        "A halfway decent engineer would have caught the missing index.",
        "A more careful reviewer would have checked the target first.",
        "Ops ought to know better than to restart every node at once.",
        "The risk was plain as day.",
        "You'd think a senior engineer would know not to do that on production.",
        "Nobody in their right mind would run that script at peak.",
        "With even a moment's thought, the approver would have seen the problem.",
        "It was a trivial one-liner that anyone could have written.",
    ],
)
def test_hindsight_idioms_are_hindsight(text):
    assert "hindsight" in categories(text)


@pytest.mark.parametrize(
    "text",
    [
        "The risk was plain once we graphed the queue depth.",
        "With more time to test, the team would have seen the problem in staging.",
        "Anyone paying attention to the channel can ask the incident commander for context.",
    ],
)
def test_hindsight_idiom_lookalikes_are_not_flagged(text):
    assert analyze(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "It isn't hard: you simply read the error message.",
        "It was literally a one-line fix.",
        "It would only have taken a minute to check.",
    ],
)
def test_minimising_the_work_is_minimising(text):
    assert "minimising" in categories(text)


def test_describing_a_small_fix_plainly_is_not_minimising():
    assert analyze("It was a one-line fix, and the hard part was finding which line.") == []


@pytest.mark.parametrize(
    "text",
    [
        "Investigators said the breach was the work of a disgruntled database admin.",
        "The problem is the new coordinator.",
        "The oversight was Hamid's, and everyone knows it.",
        "The support agent hung up on the caller.",
        "Yusuf decided, on his own, to bypass the approval step.",
        "Sales over-committed again and engineering paid for it.",
        "Ingrid, as usual, left the rollout half-finished.",
    ],
)
def test_more_ways_of_pinning_it_on_a_person_are_individual_blame(text):
    assert "individual_blame" in categories(text)


@pytest.mark.parametrize(
    "text",
    [
        "The problem was the engineer's laptop clock, which had drifted by six minutes.",
        "The deploy went out as usual at 10:00.",
        "The work of the night shift kept the queue drained until morning.",
        "The culprit was a cron job that nobody owned.",
        "The company blamed a software update for the outage.",
    ],
)
def test_lookalikes_of_pinning_it_on_a_person_are_not_flagged(text):
    assert analyze(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "The alert could not have been clearer.",
        "A competent team would have had a rollback plan.",
    ],
)
def test_more_hindsight_idioms(text):
    assert "hindsight" in categories(text)


@pytest.mark.parametrize(
    "text",
    [
        "The on-call was too busy chatting to notice the page.",
        "The new lead's arrogance turned a small slip into a long outage.",
    ],
)
def test_more_character_verdicts(text):
    assert "loaded_judgement" in categories(text)


def test_too_busy_with_a_reason_is_not_loaded():
    assert analyze("The engineer was too busy with the failover to see the second alert, which went to the same pager.") == []


def test_all_it_would_have_taken_is_minimising():
    assert "minimising" in categories("All it would have taken was one message in the channel.")


# Rule families added for the held-out misses: each has positives and systemic negatives.

_NEW_FAMILY_CASES = [
    # (family, category, positives, systemic negatives)
    ("manner adverb before a saying verb", "hindsight", [],
     ["The facilitator clearly described the new escalation path at the retro, but the wiki still had the old one.",
      "The dashboard plainly showed the lag once the exporter was fixed."]),
    ("no one at fault is about blame", None, [],
     ["No one was at fault; the retry storm came from a library default.",
      "Nobody was to blame here, and the config drift is now checked nightly."]),
    ("did not feel is a perception, not an omission", None, [],
     ["Several responders said they did not feel safe paging the database team at night.",
      "The reviewers did not feel confident approving a change to an unfamiliar service."]),
    ("reported question is not an assertion", "individual_blame", [],
     ["A new hire asked whether the lead keeps ignoring alerts on purpose, which we answered in the FAQ.",
      "She wondered if the manager constantly reassigns tickets, so we looked at the routing rules."]),
    ("anyone who had looked", "hindsight",
     ["Anybody who had looked at the graph would have seen the disk filling up.",
      "Anyone who'd glanced at the budget could tell the release was risky."],
     ["Anyone who opens the runbook now will find the new restore steps.",
      "Everyone who had read the announcement attended the migration dry run."]),
    ("a quick look would have told", "hindsight",
     ["A quick glance at the logs would have told the engineer the job was stuck.",
      "One simple query against the replica would have warned anyone about the drift."],
     ["A quick look at the logs told us the job was stuck.",
      "The new lag alert would have warned us sooner, so it is now part of the rollout."]),
    ("anyone could have gotten it right", "hindsight",
     ["That migration was so routine that anybody could have got it right.",
      "It was a one-line change anyone could get right."],
     ["The form now validates the date, so the first submission is usually right.",
      "We asked whether anyone could get the restore right without the runbook, and the answer was no."]),
    ("glaring as a predicate", "hindsight",
     ["The warning signs were glaring and the team lead shrugged them off.",
      "The risk was blatant, yet the reviewer approved it."],
     ["The alert text is now larger and the colours are more distinct.",
      "The new banner is hard to miss, which was the point of the redesign."]),
    ("surely someone could see", "hindsight",
     ["Surely the reviewer could have spotted the missing index.",
      "Surely somebody would have noticed the certificate expiring."],
     ["Surely the exporter should see a hit rate above 90% after warm-up.",
      "Surely the dashboard would have shown the spike if the collector had been running."]),
    ("needless to say it was a bad idea", "hindsight",
     ["Predictably, deploying on the last day of the quarter was a terrible decision.",
      "Unsurprisingly, skipping the canary was a mistake."],
     ["Of course, the retry storm was a known risk that we had accepted.",
      "Unsurprisingly, latency improved once the cache was warmed."]),
    ("inverted had with an irregular participle", "counterfactual",
     ["Had the engineer given the team notice, we would have rescheduled the batch.",
      "Had the operator taken a backup first, we'd still have the old records."],
     ["Had the replica taken over, we'd have seen no errors.",
      "Had the alert threshold been lower, we'd still have had a page in time."]),
    ("needed a person to act, and they didn't", "counterfactual",
     ["We needed the on-call engineer to escalate, and he didn't.",
      "Everyone expected the approver to block the change, but she never did."],
     ["We needed the vendor to ship a patch by Friday, and they didn't.",
      "We needed the database to fail over, and it didn't."]),
    ("nobody did it", "counterfactual",
     ["Rotating the key was on the checklist for months and nobody did it.",
      "The backup test was scheduled weekly, yet no one ever did it."],
     ["Nobody did it on purpose; the script targeted the wrong environment.",
      "The tool now rotates keys itself, so the step that used to be manual is gone."]),
    ("a person is the problem", "individual_blame",
     ["Honestly, the new director is the real problem here.",
      "Our team lead was the weakest link throughout the rollout."],
     ["The approval process was the real problem, not the people using it.",
      "Maria is the problem owner for the billing backlog."]),
    ("responsibility placed on a person", "individual_blame",
     ["The audit placed the blame for the data leak on a junior analyst.",
      "The board put responsibility for the outage squarely on the CTO."],
     ["The review placed responsibility for the runbook on the platform team going forward.",
      "The review placed responsibility for the outage on the missing rate limit."]),
    ("gerund task merely meant", "minimising",
     ["Rolling back simply meant running one script.",
      "Escalating just required a message in the channel."],
     ["Escalating only required a page once the runbook was updated, which made it routine.",
      "Rolling back meant draining three regions in sequence, which took most of an hour."]),
]


@pytest.mark.parametrize(
    "category,text",
    [(category, text) for _, category, positives, _ in _NEW_FAMILY_CASES for text in positives],
)
def test_new_family_positives(category, text):
    assert category in categories(text)


@pytest.mark.parametrize("text", [text for _, _, _, negatives in _NEW_FAMILY_CASES for text in negatives])
def test_new_family_systemic_negatives(text):
    assert analyze(text) == []


@pytest.mark.parametrize("text", [
    "Keep the checklist short so anyone can get it right.",
    "We rewrote the runbook so that anyone can follow it at 3 a.m.",
    "The new form is simple enough that anyone can fill it in correctly.",
])
def test_design_goals_that_anyone_can_follow_are_not_hindsight(text):
    assert analyze(text) == []


def test_claim_that_anyone_could_have_done_it_is_still_hindsight():
    assert [f.category for f in analyze("Honestly, anyone could have caught that typo in review.")] == ["hindsight"]


# Trigger words that describe an event, a theory or software rather than grade a person; each
# beside the same words that do grade someone. Written for these tests.
@pytest.mark.parametrize("text", [
    "Our manager apologised for the missed payroll run and explained that the bank holiday moved the cutoff.",
    "The careless-mistake theory does not explain why the console offered a delete button on production.",
    "In hindsight the queue growth looks obvious, but on the night it was one grey line among sixty.",
    "Blaming the new starter would be easy, but her account had been cloned from an administrator's.",
    "The indexing worker failed to come up after the kernel upgrade because a mount was missing.",
    "The rollback was started by Priya at 14:02, following the runbook.",
])
def test_events_theories_and_software_are_not_people(text):
    assert analyze(text) == []


@pytest.mark.parametrize("text", [
    "Dmitri missed the payroll cutoff again, as usual.",
    "The engineer was careless with the production console.",
    "In hindsight it was obvious, and Marek should have checked the queue graph.",
    "I'm blaming Tomasz for this one, he pushed it without a review.",
    "The agency worker failed to lock the medicine cabinet.",
    "The outage was triggered by Priya at 14:02.",
])
def test_the_same_words_aimed_at_a_person_are_still_flagged(text):
    assert analyze(text)


def test_a_run_on_sentence_is_read_in_pieces_and_every_finding_points_at_its_words():
    from postmortems.blame.sentences import LONGEST_SENTENCE, split_sentences

    # Pasted logs or hostile input: one "sentence" of 30,000 characters with no full stop.
    text = "Dave missed the deadline, " * 1200
    pieces = list(split_sentences(text))
    assert len(pieces) > 30 and all(len(piece.text) <= LONGEST_SENTENCE for piece in pieces)
    findings = analyze(text)
    assert len(findings) == 1200  # one per repetition: nothing lost at the seams
    assert all(text[f.start:f.end] == f.text == "missed" for f in findings)


@pytest.mark.parametrize("text", [
    # Talk of blaming excuses only a verdict against blaming, in its own clause.
    "Blaming Dave would be fair: he skipped the review.",
    "I'm blaming Dave, who would be the first to admit he skipped the review.",
    # A concession in one clause does not excuse a verdict in another.
    "In hindsight Dave should obviously have rolled back; it was clear, but at the time nobody knew.",
    "In hindsight the fix was clear, but then Dave never reads the runbook anyway.",
    # Whose act it was still counts when a possessive or a pronoun stands before the verb.
    "After her missed handover, the pager went unanswered.",
    "Some ignored the alert entirely.",
    "That was a lazy-ass fix by Dave.",
])
def test_exceptions_stay_narrow(text):
    assert analyze(text), text


@pytest.mark.parametrize("text", [
    "Chef overwrote the config on every node and nobody noticed for an hour.",
    "SAP HANA ignored the memory limit.",
    "Production's config was changed by hand without anyone reviewing it.",
    "The Follow-Ups were skipped.",
    "The Wi-Fi ignored the alert.",
    "The failover was started by Priya to contain the incident.",
    "The rollback was started by Priya after the outage began.",
])
def test_tools_products_and_remedies_are_not_people(text):
    assert analyze(text) == [], text
