"""The rule type and the checks rules share: who the subject is, negation, tense."""
import re
from dataclasses import dataclass
from typing import Callable

from . import subjects
from .caseless import lowered_copy
from .context import clause_around, is_negated
from .messages import CATEGORY_PROMPTS, EXPLANATIONS

FLAGS = re.IGNORECASE


@dataclass(frozen=True)
class Rule:
    """A trigger pattern, the context check that confirms it, and how to explain and rewrite it.

    The pattern's "t" group (or the whole match) is the span reported.
    """

    name: str
    category: str
    pattern: re.Pattern
    accept: Callable = lambda sentence, match: True
    suggest: Callable = None
    keywords: frozenset = frozenset()
    # The pattern without IGNORECASE, for the sentence's lower-cased text: a cheap first look that
    # finds a match exactly when the pattern would (None where the pattern spells out capitals).
    prefilter: re.Pattern = None

    def findings(self, sentence):
        """Yield (start, end, message, suggestion) for each confirmed match in the sentence."""
        if self.keywords.isdisjoint(sentence.word_prefixes):
            return
        # Most sentences that hold a keyword do not match; case-sensitive matching of lower-cased
        # text is about twice as fast as case-insensitive matching, so rule those out first.
        if self.prefilter is not None and sentence.lower_text is not None and not self.prefilter.search(sentence.lower_text):
            return
        for match in self.pattern.finditer(sentence.text):
            if not self.accept(sentence, match):
                continue
            start, end = trigger_span(match)
            trigger = sentence.text[start:end]
            message = EXPLANATIONS[self.name].format(trigger=trigger)
            suggestion = self.suggest(sentence, match) if self.suggest else CATEGORY_PROMPTS[self.category]
            yield start, end, message, suggestion


def compile_rule(name, category, keywords, pattern, accept=None, suggest=None):
    """Build a Rule from a pattern string, matched case-insensitively.

    keywords: space-separated words of which every match contains at least one
    (as the start of a word). Sentences without any are skipped, which keeps
    dozens of alternation-heavy patterns cheap on long documents.
    """
    prefixes = frozenset(word[:KEYWORD_LENGTH] for word in keywords.lower().split())
    return Rule(name, category, re.compile(pattern, FLAGS), accept or (lambda s, m: True), suggest, prefixes,
                lowered_copy(pattern))


# Sentences index the first 3 to KEYWORD_LENGTH letters of every word, so longer keywords are cut.
KEYWORD_LENGTH = 10


def trigger_span(match):
    if "t" in match.re.groupindex and match.group("t") is not None:
        return match.span("t")
    return match.span()


def subject_of(sentence, match):
    """Kind of the subject of the trigger (person, self, system or unknown)."""
    return subjects.subject_kind(sentence, trigger_span(match)[0])


def not_negated(sentence, match):
    return not is_negated(sentence, trigger_span(match)[0])


def all_of(*checks):
    """A check that passes when every one of checks passes."""
    return lambda sentence, match: all(check(sentence, match) for check in checks)


def clause_of(sentence, match):
    start, end = trigger_span(match)
    return clause_around(sentence, start, end)


def noun_phrase_kind(sentence, start):
    """Kind of the noun phrase starting at start: the last person/system word before it ends."""
    kind = subjects.UNKNOWN
    word_before = ""
    for count, token in enumerate(sentence.tokens_after(start)):
        word = token.lower
        if count >= 4 or word in _NOUN_PHRASE_END or not token.text[0].isalnum():
            break
        if count > 0 and word.endswith("ing") and kind != subjects.UNKNOWN:
            # "one developer copying a config file": the participle starts a new phrase.
            break
        found = subjects.classify_word(token, is_first_word=False)
        if found == subjects.SYSTEM and word_before in _RANK_WORDS:
            # "a junior producer", "the senior operator": a rank word makes the next noun a person.
            found = subjects.PERSON
        if found != subjects.UNKNOWN:
            kind = found
        word_before = word
    return kind


_RANK_WORDS = frozenset("junior senior trainee apprentice chief".split())
_NOUN_PHRASE_END = frozenset("who which that and or was were had has is are in on at for with when because without to from during after before into of via by while since until".split())
