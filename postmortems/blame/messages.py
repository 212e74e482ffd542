"""Why each kind of wording hurts learning, in one sentence, keyed by rule."""

EXPLANATIONS = {
    # hindsight
    "hindsight_phrase": "“{trigger}” judges the decision with knowledge nobody had at the time, which hides why it made sense then.",
    "obviously": "“{trigger}” asserts the answer was plain, but it only became plain after the outcome was known; that hides what people actually saw.",
    "was_obvious": "Calling it “{trigger}” after the fact is hindsight bias: it erases the noise and uncertainty people were working in.",
    "obvious_noun": "“{trigger}” labels the signal with hindsight; at the time it was one signal among many, and the question is why it did not stand out.",
    "competent": "“{trigger}” implies the people involved fell below a standard, which shuts down the question of what made the situation hard.",
    "everyone_knows": "“{trigger}” treats knowledge as universal after the fact; if it were, the incident would not have happened, so ask why it was not known here.",
    "easy_to_see": "“{trigger}” is hindsight: it was only easy once the outcome was known.",
    "should_have_known": "“{trigger}” judges people by what was learned afterwards instead of asking what information they had.",
    "should_know": "“{trigger}” judges a person against an expectation instead of asking why the knowledge was not available when needed.",
    "doesnt_take": "“{trigger}” belittles the people involved and implies the right action was obvious, which discourages honest accounts.",
    "saw_it_coming": "“{trigger}” claims foresight that only exists after the outcome is known.",
    "of_course": "“{trigger}” presents the outcome as inevitable, which only looks true once the outcome is known.",
    "no_brainer": "“{trigger}” implies the right call was self-evident, which hides the trade-offs people were weighing.",
    "trivial_then": "“{trigger}” is hindsight: the difficulty at the time is what the review needs to understand.",
    # counterfactual
    "should_have": "“{trigger}” describes a world that did not happen; it tells readers who to fault instead of why the actual action made sense.",
    "failed_to": "“{trigger}” frames an omission as a personal failure, which stops the search for what made the step easy to miss.",
    "did_not": "“{trigger}” points at a person's omission; the useful question is what in the situation made that step unlikely.",
    "bother": "“{trigger}” attributes an omission to indifference, which invites defensiveness instead of an account of the constraints.",
    "if_had": "“{trigger}” replays the incident with a different person's choice instead of examining the conditions that shaped the real one.",
    "job_to": "“{trigger}” assigns fault through duty; ask what made fulfilling that duty hard on the day.",
    "instead_of": "“{trigger}” sets the action taken against one that was not, which judges the choice instead of explaining it.",
    "simple_check": "“{trigger}” is hindsight: it assumes the check was an obvious thing to run before anyone knew what to look for.",
    "why_question": "“{trigger}” asks a rhetorical question that implies the answer was obvious; ask what the situation looked like at the time instead.",
    "supposed_to": "“{trigger}” measures a person against an expectation rather than explaining the gap between plan and practice.",
    # individual blame
    "possessive_fault": "“{trigger}” puts the outcome on one person, which makes people less willing to share what really happened.",
    "caused_by_person": "“{trigger}” names a person as the cause; incidents come from conditions that let a normal action do harm.",
    "job_on_person": "“{trigger}” hangs the outcome on one person's duty; ask what made that duty hard to carry out on the day.",
    "to_blame": "“{trigger}” assigns blame to someone, which ends the inquiry at the person instead of the system around them.",
    "fingered": "“{trigger}” singles someone out as the culprit, which teaches others to hide their mistakes.",
    "fault_verb": "“{trigger}” with a person as its subject makes the story about them, not about what allowed the action to cause harm.",
    "ignored_warnings": "“{trigger}” implies someone chose to disregard a clear signal; ask how the signal looked among everything else competing for attention.",
    "singled_out": "Naming a junior or outside role as the one who “{trigger}” singles them out; ask why the system let that step reach production.",
    "without": "“{trigger}” frames a skipped step as one person's choice; ask what allowed or encouraged the step to be skipped.",
    "pressure": "“{trigger}” blames a person for the pressure; describe the deadlines, incentives and workload that created it.",
    "harm_act": "“{trigger}” with a person as its subject makes the story about them, not about what let the action cause harm.",
    "left_sitting": "“{trigger}” pins a delay on one person; ask what else was competing for their time and why nothing flagged the wait.",
    "stuck_with_person": "“{trigger}” makes one person the place where the work stopped; ask why the process depended on a single inbox.",
    "causal_person": "“{trigger}” presents a person's action as the cause; incidents come from conditions that let a normal action do harm.",
    "act_then_harm": "“{trigger}” told right after one person's action makes the outcome their doing; describe what let a normal action have this effect.",
    "cleft_person": "“{trigger}” puts a person in focus as the source of the failure, which ends the inquiry at them.",
    "habit": "“{trigger}” describes a person's character rather than a situation that can be changed.",
    # loaded judgement
    "loaded_word": "“{trigger}” is a judgement of character, not a description of what happened, and it makes people defensive.",
    "human_error": "“{trigger}” as a cause is a conclusion that stops the investigation; human error is where the inquiry starts.",
    "no_excuse": "“{trigger}” passes a verdict on a person instead of explaining what made the action likely.",
    "mistakenly": "“{trigger}” judges a person's reasoning instead of explaining why their belief was reasonable at the time.",
    "too_much": "“{trigger}” criticises a person's traits rather than the conditions that made the trait matter.",
    "sarcastic_label": "“{trigger}” mocks the person with a sarcastic label, which tells everyone that honesty about mistakes will be ridiculed.",
    "person_judgement": "“{trigger}” judges a person's ability or character, which cannot be fixed by the organisation and discourages candour.",
    # minimising
    "only_had_to": "“{trigger}” shrinks the difficulty of the work, implying the person missed something easy rather than something hard.",
    "all_had_to": "“{trigger}” makes the task sound trivial, which hides the competing demands the person faced.",
    "could_just": "“{trigger}” treats the alternative as effortless; the review should explain why it was not chosen.",
    "just_a": "“{trigger}” downplays the task, and understated work is where risk hides.",
    "just_do": "“{trigger}” makes the action sound effortless, which hides what it actually takes.",
    "took_minutes": "“{trigger}” measures the work with hindsight; knowing which few minutes mattered was the hard part.",
    "merely_doing": "“{trigger}” makes the alternative sound effortless; the review should explain why it was not obvious or available at the time.",
    "trivial_task": "Calling the task “{trigger}” shrinks the work and implies the person failed at something easy.",
    "just_task": "“{trigger}” dismisses the work as nothing, which hides what it actually involved and why it went wrong.",
    "how_hard": "“{trigger}” belittles the work and the people who found it hard.",
}

CATEGORY_PROMPTS = {
    "individual_blame": "What made this action make sense to the person at the time, and what in the system let it cause harm?",
    "counterfactual": "What got in the way of that step at the time, and how could the process make it the default?",
    "hindsight": "What signals were actually visible at the time, and what competed with them for attention?",
    "loaded_judgement": "Describe what happened and the conditions around it (time pressure, tooling, workload) instead of judging the person.",
    "minimising": "Describe what the task actually involved and what made it hard.",
}

# Findings of the learned model on a sentence that no rule explains: the model knows the
# sentence reads as blame but not which words do it, so it asks instead of rewriting.
MODEL_EXPLANATION = {
    "individual_blame": "This sentence reads as putting the outcome on a person, though no single phrase does it alone.",
    "counterfactual": "This sentence reads as measuring a person against what they could have done instead.",
    "hindsight": "This sentence reads as judging with knowledge that only arrived after the outcome.",
    "loaded_judgement": "This sentence reads as a judgement of someone's character, attitude or ability.",
    "minimising": "This sentence reads as making the work sound trivial, so struggling with it looks foolish.",
}

MODEL_QUESTIONS = {
    "individual_blame": "What made this reasonable at the time, and what let it cause harm?",
    "counterfactual": "What got in the way of the alternative at the time?",
    "hindsight": "What could people actually see at the time, and what competed for their attention?",
    "loaded_judgement": "What did the person do and say, and what conditions shaped it?",
    "minimising": "What did the task actually involve, and what made it hard?",
}

VOCABULARY_MESSAGE = "“{trigger}” is on your organisation's list of wording to avoid in post-mortems."
