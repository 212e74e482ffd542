"""The detector's cheap case-insensitive matching finds exactly what case-insensitive regexes find."""
import json
import re
from pathlib import Path

import pytest

from postmortems.blame import analyze
from postmortems.blame.caseless import Caseless, lowers_safely, names_no_capitals
from postmortems.blame.detector import RULES
from postmortems.blame.markdown import prose_mask
from postmortems.blame.sentences import split_sentences

TRAINING = Path(__file__).resolve().parent.parent / "postmortems" / "blame" / "training"


def _training_sentences(limit=1500):
    texts = []
    for path in sorted(TRAINING.rglob("*.jsonl")):
        texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts[::max(1, len(texts) // limit)]


def test_patterns_that_spell_capitals_keep_the_slow_path():
    assert names_no_capitals(r"\b(?P<who>[A-Za-z]+)\s+should have\b")
    assert names_no_capitals(r"\bAWOL\b") is False
    assert names_no_capitals(r"(?:^|[.:]\s+)[A-Z][a-z]+") is False
    assert names_no_capitals(r"\S+\W\B\D") is True  # escapes are not capitals


@pytest.mark.parametrize("text, safe", [
    ("Dana’s deploy broke “checkout”", True),  # curly quotes are not letters
    ("The İstanbul team deployed", False),  # "İ".lower() is two characters
    ("ſhould have", False),  # the long s matches "s" only case-insensitively
    ("plain ASCII", True),
])
def test_lowering_is_used_only_where_it_matches_like_ignorecase(text, safe):
    assert lowers_safely(text) is safe


def test_caseless_answers_as_an_ignorecase_search_does():
    pattern = Caseless(r"\bshould\s+have\b")
    for text in ["Kevin SHOULD HAVE checked.", "ſhould have checked", "İpek should have known", "Nothing here."]:
        assert pattern.found_in(text) == bool(re.search(r"\bshould\s+have\b", text, re.IGNORECASE)), text


def test_every_rule_prefilter_agrees_with_its_pattern_on_real_sentences():
    """A prefilter that missed a match would silently drop a finding."""
    sentences = []
    for text in _training_sentences() + ["The İstanbul on-call JUST IGNORED the page.", "BOB'S FAULT, obviously."]:
        sentences += list(split_sentences(prose_mask(text)))
    checked = 0
    for rule in RULES:
        if rule.prefilter is None:
            continue
        for sentence in sentences:
            if sentence.lower_text is None:
                continue
            assert bool(rule.prefilter.search(sentence.lower_text)) == bool(rule.pattern.search(sentence.text)), (rule.name, sentence.text)
            checked += 1
    assert checked > 10_000


def test_shouting_and_non_ascii_text_get_the_same_findings_as_plain_text():
    plain = analyze("Kevin should have checked the dashboard before restarting the primary.", model=None)
    shouted = analyze("KEVIN SHOULD HAVE CHECKED THE DASHBOARD BEFORE RESTARTING THE PRIMARY.", model=None)
    accented = analyze("Kevin should have checked the dashboard before restarting the primary in İzmir.", model=None)
    assert [f.category for f in plain] == [f.category for f in shouted] == [f.category for f in accented]
    assert plain and plain[0].category == "counterfactual"
