"""Hand-made sentence features for the learned model: who the sentence is about and how it judges.

Each feature is a number between 0 and 1 that a linguist would name; the model weighs
them beside the sentence's embedding. FEATURE_NAMES fixes their order in the artefact.
"""
import importlib.util
import re
from pathlib import Path

from . import subjects
from .sentences import make_token
from .findings import CATEGORIES

_SECOND_PERSON = frozenset("you your yours yourself yourselves you're you've you'd you'll".split())
_FIRST_SINGULAR = frozenset("i me my mine myself i'm i've i'd".split())
_MINIMISERS = frozenset("just simply merely only trivial trivially easy easily quick quickly basic obvious".split())
_ABSOLUTES = frozenset("always never constantly everytime forever nobody everyone".split())
_NEGATORS = frozenset("not no never nobody nothing none n't without".split())
_MODAL_PERFECT = re.compile(
    r"\b(?:should|could|would|might|must|ought to)(?:n't|\s+not)?\s+(?:\w+\s+)?(?:have|'ve)\s+\w+", re.IGNORECASE)
_IF_HAD = re.compile(r"\b(?:if|had)\b[^.;]*\b(?:had|'d)\b|\bhad\s+\w+\s+(?:only\s+)?\w+ed\b", re.IGNORECASE)
_QUOTED = re.compile(r"[\"“”`]|(?<!\w)'(?=\w)")
_LOG_LIKE = re.compile(r"\b[A-Z]{4,}\b|\w+[_/]\w+|\w+\(\)|=>|::")

FEATURE_NAMES = (
    *(f"rule_{category}" for category in CATEGORIES),
    "rule_any",
    "subject_person", "subject_self", "subject_system", "subject_owned_by_person",
    "person_mentions", "second_person", "first_person_singular",
    "modal_perfect", "if_had",
    "negative_words", "positive_words", "negative_near_person", "most_negative",
    "question", "exclamation", "quoted", "log_like",
    "minimisers", "absolutes", "negations",
)


def _load_valences():
    """Word → valence (-4 … 4) from the VADER lexicon that ships inside the vaderSentiment package."""
    spec = importlib.util.find_spec("vaderSentiment")
    if spec is None or spec.origin is None:
        return {}
    valences = {}
    path = Path(spec.origin).parent / "vader_lexicon.txt"
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and " " not in parts[0]:
            try:
                valences[parts[0].lower()] = float(parts[1])
            except ValueError:
                continue
    return valences


VALENCES = _load_valences()


def sentence_features(sentence, rule_categories):
    """The feature vector (a list of floats in FEATURE_NAMES order) for one Sentence."""
    tokens = sentence.tokens
    words = [token.lower for token in tokens if token.text[0].isalpha()]
    kind, owned, _verb = subjects.main_clause(sentence) if tokens else (subjects.UNKNOWN, False, None)
    person_positions = _person_positions(sentence)
    valences = [VALENCES.get(word, 0.0) for word in words]
    negative = [-v for v in valences if v < 0]
    positive = [v for v in valences if v > 0]
    return [
        *(1.0 if category in rule_categories else 0.0 for category in CATEGORIES),
        1.0 if rule_categories else 0.0,
        float(kind == subjects.PERSON), float(kind == subjects.SELF), float(kind == subjects.SYSTEM), float(bool(owned)),
        min(len(person_positions), 3) / 3,
        float(any(word in _SECOND_PERSON for word in words)),
        float(any(word in _FIRST_SINGULAR for word in words)),
        float(bool(_MODAL_PERFECT.search(sentence.text))),
        float(bool(_IF_HAD.search(sentence.text))),
        min(sum(negative) / 6, 1.0),
        min(sum(positive) / 6, 1.0),
        _negative_near_person(tokens, person_positions),
        max(negative, default=0.0) / 4,
        float("?" in sentence.text),
        float("!" in sentence.text),
        float(bool(_QUOTED.search(sentence.text))),
        float(bool(_LOG_LIKE.search(sentence.text))),
        min(sum(word in _MINIMISERS for word in words), 2) / 2,
        float(any(word in _ABSOLUTES for word in words)),
        min(sum(word in _NEGATORS or word.endswith("n't") for word in words), 2) / 2,
    ]


def _person_positions(sentence):
    first = next((i for i, token in enumerate(sentence.tokens) if token.text[0].isalpha()), 0)
    return [
        index for index, token in enumerate(sentence.tokens)
        if token.text[0].isalpha() and _is_person_word(token.text, token.previous, index == first)
    ]


def _is_person_word(text, previous, is_first):
    """classify_word(...) == PERSON, remembered: documents repeat words, and this runs on every one."""
    key = (text, previous, is_first)
    found = _PERSON_WORDS.get(key)
    if found is None:
        if len(_PERSON_WORDS) > 100_000:
            _PERSON_WORDS.clear()  # bounded: odd input must not grow it without limit
        token = make_token(text, 0, len(text), previous)
        found = _PERSON_WORDS[key] = subjects.classify_word(token, is_first) == subjects.PERSON
    return found


_PERSON_WORDS = {}


def _negative_near_person(tokens, person_positions, window=5):
    """Strongest negative word within a few words after a person is named (a judgement of them)."""
    strongest = 0.0
    for position in person_positions:
        for token in tokens[position + 1:position + 1 + window]:
            strongest = max(strongest, -VALENCES.get(token.lower, 0.0))
    return strongest / 4
