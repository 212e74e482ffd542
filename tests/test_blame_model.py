"""The learned sentence model: reproducible training, its part in analyze(), and its artefact."""
import json

import pytest

from postmortems.blame import CATEGORIES, analyze, model, training
from postmortems.blame.detector import rule_findings
from postmortems.blame.sentences import whole_sentence

# Our own sentences (not from any corpus): blame that no single trigger word carries, and plain
# system prose that uses failure words.
UNEXPLAINED_BLAME = [
    "Ravi's attitude in the standup left the interns afraid to speak.",
    "Honestly, Marco treats code review like a chance to show off.",
    "Our manager plays favourites with the on-call swaps.",
]
SYSTEM_PROSE = [
    "The billing job failed to start after the kernel upgrade.",
    "Kenji restarted the broker at 02:10 and traffic recovered within a minute.",
    "A schema change to the orders table locked writes for nine minutes.",
    "The deploy should have been blocked by CI, but the check only ran on main.",
]


@pytest.mark.parametrize("text", UNEXPLAINED_BLAME)
def test_model_flags_blame_that_no_rule_explains(text):
    assert analyze(text, model=None) == []
    findings = analyze(text)
    assert len(findings) == 1


@pytest.mark.parametrize("text", UNEXPLAINED_BLAME)
def test_a_model_finding_covers_the_sentence_and_asks_a_question(text):
    (finding,) = analyze(text)
    assert (finding.start, finding.end) == (0, len(text))
    assert finding.category in CATEGORIES
    assert finding.message and finding.suggestion.endswith("?")


@pytest.mark.parametrize("text", SYSTEM_PROSE)
def test_system_prose_with_failure_words_stays_clean(text):
    assert analyze(text) == []


@pytest.mark.parametrize("text", [
    "- **Alert fatigue**: the queue alert fired forty times that week.",
    "Nothing was lost.",
    "| Service | Minutes down | Requests failed |",
    "- Every consumer should tolerate duplicate events.",
])
def test_the_model_alone_never_flags_labels_fragments_or_impersonal_lessons(text):
    assert analyze(text) == analyze(text, model=None)


def test_markdown_decoration_does_not_change_what_the_model_reads():
    from postmortems.blame.sentences import plain_text

    assert plain_text(whole_sentence("- **Ravi's** attitude: in the *standup*")) == "Ravi's attitude in the standup"


def test_a_remembered_sentence_scores_as_it_did_the_first_time():
    from postmortems.blame.detector import clear_memos

    text = "Ravi's attitude in the standup left the interns afraid to speak. The cache warmed up."
    clear_memos(model.default_model())
    first = analyze(text)
    assert analyze(text) == first
    assert analyze("Intro line here. " + text)[0].start == len("Intro line here. ")


def test_rule_findings_keep_their_span_reason_and_rewrite_when_the_model_agrees():
    text = "Honestly, Jo is just useless at planning."
    rules_only = analyze(text, model=None)
    assert rules_only and analyze(text) == rules_only


def test_the_model_removes_a_rule_false_alarm_it_is_very_sure_of():
    text = "The new starter made an error in the stock count, which the second count caught before any order went out."
    assert analyze(text, model=None)  # the rules read "made an error" as blame
    assert analyze(text) == []


def test_model_only_findings_need_more_confidence_than_keeping_a_rule_finding():
    fitted = model.default_model()
    assert 0 < fitted.veto_below < fitted.threshold < 1


def test_without_an_artefact_the_rules_work_alone(tmp_path):
    assert model.load(tmp_path / "missing.json") is None
    text = "Honestly, Jo is just useless at planning. " + UNEXPLAINED_BLAME[0]
    assert len(analyze(text)) > len(analyze(text, model=None)) >= 1


def test_an_artefact_for_other_features_is_refused():
    artefact = json.loads(model.ARTEFACT.read_text())
    artefact["features"] = artefact["features"][:-1]
    with pytest.raises(model.ArtefactMismatch):
        model.SentenceModel(artefact)


def test_the_committed_artefact_was_trained_on_the_committed_train_split():
    artefact = json.loads(model.ARTEFACT.read_text())
    train, _test = training.split(training.load_examples(training.corpus_files()))
    assert artefact["training"]["sha256"] == training._digest(train)
    assert artefact["training"]["examples"] == len(train)


def test_training_data_is_large_and_a_third_about_people():
    examples = training.load_examples(training.corpus_files())
    train, test = training.split(examples)
    assert len(examples) >= 2000
    assert sum(e.kind == "people" for e in examples) >= len(examples) / 3
    assert test and not {e.writer for e in test} & {e.writer for e in train}
    assert len({e.id for e in examples}) == len(examples)


@pytest.mark.slow_training
def test_retraining_on_the_committed_data_gives_the_same_predictions(tmp_path):
    train, test = training.split(training.load_examples(training.corpus_files()))
    retrained = model.SentenceModel(training.fit(train))
    committed = model.default_model()
    sample = test[:120]
    sentences = [whole_sentence(e.text) for e in sample]
    rules = [{f.category for f in rule_findings(e.text, s)} for e, s in zip(sample, sentences)]
    new, _ = retrained.score(sentences, rules)
    old, _ = committed.score(sentences, rules)
    assert max(abs(a - b) for a, b in zip(new, old)) < 1e-4
    assert [bool(analyze(e.text, model=retrained)) for e in sample] == [bool(analyze(e.text)) for e in sample]


def test_extra_examples_change_what_the_model_learns():
    """Feedback rows fed to training move the model: a sentence taught as blameless scores lower."""
    train, _test = training.split(training.load_examples(training.corpus_files()))
    subset = train[::4]
    sentence = "Priya tidied the dashboards on Friday afternoon."
    taught = [training.Example(f"fb-{n}", sentence, False, "none", "technical", "feedback") for n in range(8)]
    before = model.SentenceModel(training.fit(subset, c_grid=(1.0,)))
    after = model.SentenceModel(training.fit(subset + taught, c_grid=(1.0,)))
    s = whole_sentence(sentence)
    assert after.score([s], [set()])[0][0] < before.score([s], [set()])[0][0]


@pytest.mark.slow_training
def test_train_command_with_a_feedback_file_writes_artefacts_elsewhere_and_reports(tmp_path):
    from io import StringIO

    from django.core.management import call_command

    feedback = tmp_path / "feedback.jsonl"
    feedback.write_text(json.dumps({"id": "fb-1", "text": "Priya tidied the dashboards on Friday afternoon.",
                                    "label": "blameless", "category": "none", "hard": True, "kind": "technical",
                                    "source": "feedback"}) + "\n")
    shipped = model.ARTEFACT.read_bytes()
    out = StringIO()
    call_command("train_blame_model", "--feedback-file", str(feedback), "--output-dir", str(tmp_path / "out"),
                 "--skip-action-items", stdout=out)
    written = json.loads((tmp_path / "out" / model.ARTEFACT.name).read_text())
    assert written["training"]["examples"] == json.loads(shipped)["training"]["examples"] + 1
    assert "(1 from feedback)" in out.getvalue() and "test split, rules + model" in out.getvalue()
    assert model.ARTEFACT.read_bytes() == shipped
