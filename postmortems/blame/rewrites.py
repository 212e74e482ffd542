"""Suggested blameless rewrites: phrase-level edits where a safe one exists, else a prompting question."""
import re

from .messages import CATEGORY_PROMPTS

_DETERMINERS = frozenset("the a an this that these those his her their your its our my".split())
_PRONOUN_OBJECTS = {"it": "It", "this": "This", "that": "That", "them": "They", "him": None, "her": None}
# Words that end the object noun phrase in "should have checked the dashboard before ...".
_PHRASE_END = frozenset("""
before after when while because during until so and but or to in on at for with from by
instead rather which that who if once as much earlier sooner later first again yet then
immediately properly carefully correctly beforehand anyway
""".split())
_SPACES = re.compile(r"\s{2,}")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?])")


def without_trigger(sentence, start, end):
    """The sentence with the trigger words taken out, as a phrase-level replacement."""
    text = sentence.text[:start] + sentence.text[end:]
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", _SPACES.sub(" ", text)).strip()
    text = re.sub(r"^[,;:]\s*", "", text).rstrip(".")
    return text[:1].upper() + text[1:]


def replace_trigger(sentence, start, end, replacement):
    """The sentence with the trigger replaced."""
    text = sentence.text[:start] + replacement + sentence.text[end:]
    return _SPACES.sub(" ", text).strip()


def _ends_phrase(word):
    word = word.lower().strip(",;")
    return word in _PHRASE_END or word.endswith("ly")


def passive_omission(sentence, verb_start, verb, category):
    """Turn "<someone> should have checked the dashboard before X" into "The dashboard was not checked before X"."""
    words = sentence.text[verb_start + len(verb):].strip().rstrip(".!?").split()
    if not words:
        return CATEGORY_PROMPTS[category]
    first = words[0].lower()
    if first in _PRONOUN_OBJECTS and _PRONOUN_OBJECTS[first]:
        subject, rest = _PRONOUN_OBJECTS[first], words[1:]
    elif first in _DETERMINERS:
        cut = next((i for i, w in enumerate(words[1:], 1) if _ends_phrase(w)), len(words))
        noun_phrase = words[:cut]
        if first in ("his", "her", "their", "your", "my", "our"):
            noun_phrase = ["the"] + noun_phrase[1:]
        subject, rest = " ".join(noun_phrase), words[cut:]
        subject = subject[:1].upper() + subject[1:]
    else:
        return CATEGORY_PROMPTS[category]
    auxiliary = "were" if subject.lower().endswith("s") and subject.lower() not in ("this", "its") and subject != "It" else "was"
    tail = (" " + " ".join(rest)) if rest else ""
    return f"{subject} {auxiliary} not {verb}{tail} — what made that step easy to miss at the time?"
