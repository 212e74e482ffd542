"""Hand-made sentence features for the learned model: who the sentence is about and how it judges.

Each feature is a number between 0 and 1 that a linguist would name; the model weighs
them beside the sentence's embedding. FEATURE_NAMES fixes their order in the artefact.
"""
import importlib.util
import re
from pathlib import Path

from . import subjects
from .caseless import Caseless
from .sentences import make_token
from .findings import CATEGORIES

_SECOND_PERSON = frozenset("you your yours yourself yourselves you're you've you'd you'll".split())
_FIRST_SINGULAR = frozenset("i me my mine myself i'm i've i'd".split())
_MINIMISERS = frozenset("just simply merely only trivial trivially easy easily quick quickly basic obvious".split())
_ABSOLUTES = frozenset("always never constantly everytime forever nobody everyone".split())
_NEGATORS = frozenset("not no never nobody nothing none n't without".split())
_MODAL_PERFECT = Caseless(r"\b(?:should|could|would|might|must|ought to)(?:n't|\s+not)?\s+(?:\w+\s+)?(?:have|'ve)\s+\w+")
_IF_HAD = Caseless(r"\b(?:if|had)\b[^.;]*\b(?:had|'d)\b|\bhad\s+\w+\s+(?:only\s+)?\w+ed\b")
_QUOTED = re.compile(r"[\"“”`]|(?<!\w)'(?=\w)")
# Fixed-width alternatives only: "\w+[_/]\w+" backtracked over every long word.
_LOG_LIKE = re.compile(r"\b[A-Z]{4,}\b|[A-Za-z0-9][_/][A-Za-z0-9]|\w\(\)|=>|::")

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
# Split once, as positive magnitudes, so a sentence's words are looked up in one pass each.
NEGATIVE = {word: -value for word, value in VALENCES.items() if value < 0}
POSITIVE = {word: value for word, value in VALENCES.items() if value > 0}


def sentence_features(sentence, rule_categories):
    """The feature vector (a list of floats in FEATURE_NAMES order) for one Sentence.

    Set operations and one regex pass per feature: this runs on every sentence of every
    document, so the per-word work stays in C where it can.
    """
    tokens = sentence.tokens
    text = sentence.text
    words = [token.lower for token in tokens if token.text[0].isalpha()]
    vocabulary = set(words)
    kind, owned, _verb = subjects.main_clause(sentence) if tokens else (subjects.UNKNOWN, False, None)
    person_positions = _person_positions(sentence)
    negative = [NEGATIVE[word] for word in words if word in NEGATIVE]
    positive_total = sum(POSITIVE[word] for word in words if word in POSITIVE)
    return [
        *(1.0 if category in rule_categories else 0.0 for category in CATEGORIES),
        1.0 if rule_categories else 0.0,
        float(kind == subjects.PERSON), float(kind == subjects.SELF), float(kind == subjects.SYSTEM), float(bool(owned)),
        min(len(person_positions), 3) / 3,
        float(not vocabulary.isdisjoint(_SECOND_PERSON)),
        float(not vocabulary.isdisjoint(_FIRST_SINGULAR)),
        float(_MODAL_PERFECT.found_in(text, sentence.lower_text)),
        float(_IF_HAD.found_in(text, sentence.lower_text)),
        min(sum(negative) / 6, 1.0),
        min(positive_total / 6, 1.0),
        _negative_near_person(tokens, person_positions) if negative else 0.0,
        max(negative, default=0.0) / 4,
        float("?" in text),
        float("!" in text),
        float(bool(_QUOTED.search(text))),
        float(bool(_LOG_LIKE.search(text))),
        min(sum(1 for word in words if word in _MINIMISERS), 2) / 2,
        float(not vocabulary.isdisjoint(_ABSOLUTES)),
        min(sum(1 for word in words if word in _NEGATORS or word.endswith("n't")), 2) / 2,
    ]


def refers_to_someone(sentence):
    """Whether the sentence names or points at a person (a name, a role, he/she/they/you).

    A question asking who did something ("Who merges on a Friday?") points at someone unnamed.
    """
    return bool(_person_positions(sentence)) or asks_who(sentence)


def asks_who(sentence):
    """A question whose clause opens with "who": "Seriously, who leaves debug logging on?"."""
    if not sentence.text.rstrip(" \"'”’)").endswith("?"):
        return False
    tokens = sentence.tokens
    return any(token.lower == "who" and (index == 0 or tokens[index - 1].text in _CLAUSE_PUNCTUATION
                                         or tokens[index - 1].lower in _QUESTION_OPENERS)
               and index + 1 < len(tokens) and tokens[index + 1].lower not in _NOT_ACCUSING
               for index, token in enumerate(tokens))


_CLAUSE_PUNCTUATION = frozenset(",;:—–")
_QUESTION_OPENERS = frozenset("seriously honestly so but and then now really".split())
# "Who will own the follow-up?", "Who knew the cache would fill?": ownership ahead, or an idiom.
_NOT_ACCUSING = frozenset("""
will would should shall can could may might must owns own is are has have gets get needs need decides knew else
""".split())


def _person_positions(sentence):
    """Token indexes that name a person; remembered by wording (the detector's gate asks first)."""
    found = _PERSON_POSITIONS.get(sentence.text)
    if found is None:
        first = next((i for i, token in enumerate(sentence.tokens) if token.text[0].isalpha()), 0)
        found = tuple(
            index for index, token in enumerate(sentence.tokens)
            if token.text[0].isalpha() and _is_person_word(token.text, token.previous, index == first)
        )
        if len(_PERSON_POSITIONS) > 50_000:
            _PERSON_POSITIONS.clear()
        _PERSON_POSITIONS[sentence.text] = found
    return found


_PERSON_POSITIONS = {}


def forget_sentences():
    _PERSON_POSITIONS.clear()


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
