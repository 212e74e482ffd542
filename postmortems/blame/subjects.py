"""Decide who a verb is about: a person, the writer's own team, or a system."""
from .lexicon import CLAUSE_OPENERS, FILLER, FIRST_NAMES, FIRST_PERSON, ROLES, SYSTEMS, THIRD_PERSON

PERSON = "person"
SELF = "self"
SYSTEM = "system"
UNKNOWN = "unknown"

_HARD_STOPS = frozenset(";:()—–-")


def classify_word(token, is_first_word):
    """What kind of referent a single word names, or UNKNOWN."""
    word = token.lower
    if word.endswith(("'s", "s'")):
        word = word[:-2] if word.endswith("'s") else word[:-1]
    if word in FIRST_PERSON:
        return SELF
    if word in THIRD_PERSON or word in ROLES or word in FIRST_NAMES:
        return PERSON
    if word in SYSTEMS:
        return SYSTEM
    if _looks_like_name(token.text, is_first_word):
        return PERSON
    return UNKNOWN


def _looks_like_name(text, is_first_word):
    """A capitalised word mid-sentence (Priya, Knight) names someone or some organisation."""
    if is_first_word or len(text) < 2:
        return False
    return text[0].isupper() and text[1:].replace("'s", "").replace("’s", "").islower() and text.isalpha()


def names_a_person(sentence, clause):
    """True when any word of the clause (a substring of the sentence) refers to a person."""
    first_index = _first_word_index(sentence)
    return any(
        classify_word(token, index == first_index) == PERSON
        for index, token in enumerate(sentence.tokens)
        if token.text in clause
    )


def subject_kind(sentence, position):
    """Kind of the subject of the verb group that starts at position in the sentence.

    Walk left over auxiliaries and adverbs to the word right before the verb
    group; when that word is not telling (an object, a conjunction), fall back
    to the first person or system named in the same clause.
    """
    before = sentence.tokens_before(position)
    first_index = _first_word_index(sentence)
    clause_start = _clause_start(before)
    for index in range(len(before) - 1, clause_start - 1, -1):
        token = before[index]
        word = token.lower
        if word in FILLER or word.endswith("ly"):
            continue
        if word == "who" or word == "whoever":
            return PERSON
        if word in ("that", "which") and index > 0:
            # A relative pronoun stands for the noun just before it ("a coworker that...").
            antecedent = classify_word(before[index - 1], index - 1 == first_index)
            if antecedent != UNKNOWN:
                return antecedent
        kind = classify_word(token, index == first_index)
        if kind != UNKNOWN:
            return kind
        break
    kind = first_in_clause(sentence, before[clause_start:], first_index, before)
    if kind == UNKNOWN and clause_start > 0:
        # "Bob, the on-call, should have...": the subject sits before the commas.
        kind = first_in_clause(sentence, before, first_index, before)
    return kind


def first_in_clause(sentence, clause_tokens, first_index, all_before):
    """Kind of the first person or system word in a run of tokens."""
    offset = len(all_before) - len(clause_tokens)
    for i, token in enumerate(clause_tokens):
        if token.lower in ("who", "whoever"):
            return PERSON
        kind = classify_word(token, offset + i == first_index)
        if kind != UNKNOWN and token.lower not in ("it", "this", "that", "which"):
            return kind
    return UNKNOWN


def _clause_start(tokens):
    """Index of the first token of the clause that ends the token list."""
    for index in range(len(tokens) - 1, -1, -1):
        word = tokens[index].lower
        if word in _HARD_STOPS or (word in CLAUSE_OPENERS and word not in ("and", "or", "then")):
            return index + 1
        if word == ",":
            # A comma closes an introductory phrase only when a subject follows.
            return index + 1
    return 0


def _first_word_index(sentence):
    for index, token in enumerate(sentence.tokens):
        if token.text[0].isalpha():
            return index
    return -1
