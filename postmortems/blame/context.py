"""Checks on the words around a trigger: negation, generic claims, talk about blame itself."""
import re

_NEGATORS = frozenset("not n't no never nor without hardly nobody nothing none neither isn't wasn't aren't weren't don't doesn't didn't cannot can't".split())

# Sentences that discuss blame instead of assigning it: "a good review does not
# blame the operator", "human error is never a root cause", "the misleading
# light of hindsight".
_ABOUT_BLAME = re.compile(
    r"\b(?:blameless\w*|blame-free|blame culture|just culture|hindsight bias|outcome bias"
    r"|light of hindsight|benefit of hindsight|the new view|the old view|reprimand\w*|punish\w*)\b"
    r"|\b(?:not|never|rarely|seldom|n't|nobody's|no one's|no-one's|without)\b[^.;]{0,30}\b(?:blam\w*|fault|culprit|scapegoat\w*)\b"
    r"|\b(?:instead of|rather than|not about|avoid|stop)\s+(?:\w+\s+){0,2}(?:blam\w*|finger-pointing|pointing fingers|asking who)"
    r"|\b(?:blam\w*)\s+(?:the\s+)?(?:system|process|workflow|tool\w*|software|design|organi[sz]ation|ui|interface)\b",
    re.IGNORECASE,
)
# Universal, present-tense claims about people in general are not about this incident.
_GENERIC_PEOPLE = re.compile(
    r"\b(?:everyone|everybody|anyone|anybody|humans|people|we all|all of us)\s+(?:\w+\s+)?(?:makes?|will|can|do|does|are|is|gets?)\b",
    re.IGNORECASE,
)


def is_about_blame(text):
    """True for sentences that talk about blame or hindsight rather than assign it."""
    return bool(_ABOUT_BLAME.search(text))


def is_negated(sentence, position, window=3):
    """A negating word among the few words before position."""
    before = sentence.tokens_before(position)[-window:]
    return any(token.lower in _NEGATORS or token.lower.endswith("n't") for token in before)


def is_generic_claim(text):
    """A claim about people in general ("everyone makes mistakes"), not about this incident."""
    return bool(_GENERIC_PEOPLE.search(text))


def clause_around(sentence, start, end):
    """The stretch of the sentence between the clause punctuation around [start, end)."""
    text = sentence.text
    left = max(text.rfind(mark, 0, start) for mark in ";:—–")
    rights = [i for i in (text.find(mark, end) for mark in ";:—–") if i != -1]
    return text[left + 1 : min(rights) if rights else len(text)]
