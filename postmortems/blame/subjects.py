"""Decide who a verb is about: a person, the writer's own team, or a system."""
import re
import unicodedata

from .lexicon import PEOPLE_AFTER, THINGS_AFTER, CLAUSE_OPENERS, FILLER, FIRST_NAMES, FIRST_PERSON, ORGANISATIONS, PROPER_NON_PERSONS, ROLES, SYSTEMS, THIRD_PERSON

PERSON = "person"
SELF = "self"
SYSTEM = "system"
UNKNOWN = "unknown"

_HARD_STOPS = frozenset(";:()—–-")


def classify_word(token, is_first_word):
    """What kind of referent a single word names, or UNKNOWN."""
    if token.text in ("IT", "IT's"):
        return PERSON  # the IT department, not the pronoun
    word = token.lower
    possessive = word.endswith(("'s", "s'"))
    if possessive:
        word = word[:-2] if word.endswith("'s") else word[:-1]
    elif "'" in word and word.split("'", 1)[0] in _PRONOUNS:
        word = word.split("'", 1)[0]  # you'd, they're, she'll: the pronoun is the referent
    if word in FIRST_PERSON:
        return SELF
    capitalised = token.text[0].isupper()
    bare = word[:-1] if word.endswith("s") and (word[:-1] in PEOPLE_AFTER or word[:-1] in THINGS_AFTER) else word
    if bare in PEOPLE_AFTER and token.previous in PEOPLE_AFTER[bare]:
        return PERSON
    if bare in THINGS_AFTER and token.previous in THINGS_AFTER[bare]:
        return SYSTEM
    if word in THIRD_PERSON or word in ROLES or (capitalised and word in FIRST_NAMES and not _shouted(token.text)):
        return PERSON
    if word in SYSTEMS or (capitalised and word in PROPER_NON_PERSONS):
        return SYSTEM
    if _looks_like_name(token.text, is_first_word):
        return PERSON
    if (is_first_word and possessive and capitalised and word.isalpha() and word not in _NOT_OWNERS
            and not _shouted(token.text) and not word.endswith(_NOT_NAME_ENDINGS)):
        return PERSON  # "Piotr's cleanup ...": a capitalised owner opening the sentence
    return UNKNOWN


def _shouted(text):
    """All capitals: an acronym or product (HANA, SOTA), not a given name."""
    return len(text) > 1 and text.replace("'S", "").replace("’S", "").isupper()


_PRONOUNS = FIRST_PERSON | THIRD_PERSON
# Capitalised possessives that open a sentence without naming anyone: "Today's deploy", "That's".
_NOT_OWNERS = frozenset("""
today tonight yesterday tomorrow week weekend month year quarter night morning evening afternoon day
spring summer autumn fall winter last next this that it what who where when how why here there let
everything nothing something anything everyone someone anyone nobody production prod staging
dev test security finance legal sales marketing support
""".split())
# Hyphenated given names: Anne-Marie (a known first part), Jae-won or Dae-hyun (two short parts, the
# second lower case); not Follow-up, Non-prod, Wi-Fi or Read-Only.
_HYPHENATED_NAME = re.compile(r"(?P<first>[^\W\d_][^\W\d_A-Z]{1,3})-(?P<second>[^\W\d_A-Z]{2,4})")
_NOT_NAME_PREFIXES = frozenset("""
non pre post self semi anti auto sub co re de un multi read opt log sign roll hand set back check
cut drop pop hot cold dry top low high mid out off all one two add go kick lock fail run walk web end e
""".split())
# Accented words that English keeps: they are not names even opening a sentence.
_ACCENTED_ENGLISH = frozenset("naïve naïvely déjà café cafés résumé résumés über façade entrée rôle séance fiancé fiancée".split())


def _looks_like_name(text, is_first_word):
    """A capitalised word mid-sentence (Priya, Knight) names someone or some organisation.

    Opening a sentence every word is capitalised, so only a word with letters beyond English's
    own (Lucía, Siobhán, Zoë) counts there: English words rarely have them, names often do.
    """
    if len(text) < 2 or text.lower() in FUNCTION_WORDS:
        # A capitalised function word ("When", "With" after a label or a dash) is not a name.
        return False
    bare = text[:-2] if text.endswith(("'s", "’s")) else text
    if not bare.isascii():
        bare = "".join(char for char in bare if not unicodedata.combining(char))  # a decomposed "á"
    if not (len(bare) > 1 and bare[0].isupper()):
        return False
    if "-" in bare:
        if is_first_word:
            return False
        first = bare.split("-", 1)[0].lower()
        if first in FIRST_NAMES:
            return True
        found = _HYPHENATED_NAME.fullmatch(bare)
        return bool(found) and found.group("first").lower() not in _NOT_NAME_PREFIXES
    if not (bare[1:].islower() and bare.isalpha()):
        return False
    if not is_first_word:
        return True
    # Opening a sentence: Latin letters beyond English's own (not Greek or Cyrillic sentence
    # openers, not a PDF's "ﬁ" ligature), and not an accented word English keeps.
    return (not bare.isascii() and bare.lower() not in _ACCENTED_ENGLISH
            and all(char.isascii() or "LATIN" in unicodedata.name(char, "") for char in bare)
            and not any(0xFB00 <= ord(char) <= 0xFB06 for char in bare))


FUNCTION_WORDS = FILLER | CLAUSE_OPENERS | frozenset("""
the a an this that these those its their his her our my your one two three some any no every each all most
with without in on at of for from by to into onto over under after before during within about across through
once until here there what who whom whose which how why
""".split())


def names_a_person(sentence, clause):
    """True when any word of the clause (a substring of the sentence) refers to a person."""
    first_index = _first_word_index(sentence)
    return any(
        classify_word(token, index == first_index) == PERSON
        for index, token in enumerate(sentence.tokens)
        if token.text in clause
    )


def subject_kind(sentence, position, fallback=True):
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
        if word in ("us", "me", "him", "them") and index > clause_start:
            # An object pronoun ("gave us wrong advice") is not the subject; look further left.
            continue
        if word in ("that", "which") and index > 0:
            # A relative pronoun stands for the noun just before it ("a coworker that...").
            antecedent = classify_word(before[index - 1], index - 1 == first_index)
            if antecedent != UNKNOWN:
                return antecedent
        head = _head_before_prepositional_phrase(before, index, first_index)
        if head != UNKNOWN:
            return head
        kind = classify_word(token, index == first_index)
        if kind == PERSON and _is_own_group(before, index):
            return SELF
        if kind == SYSTEM and word not in ("it", "this", "that", "which") and _relative_clause_person(before, index, clause_start, first_index):
            return PERSON
        if kind != UNKNOWN:
            return kind
        if _is_impersonal_noun_phrase(before, index, clause_start):
            if _relative_clause_person(before, index, clause_start, first_index):
                return PERSON
            # "the announcement did not mention", "the edge case never came up": the subject is
            # right there and it is a thing, whoever else the sentence names.
            return UNKNOWN
        break
    if not fallback:
        return UNKNOWN
    clause = before[clause_start:]
    if clause and clause[0].lower in ("which", "that") and clause_start >= 2 and before[clause_start - 1].lower == ",":
        # ", which pointed at...": the relative pronoun stands for the noun before the comma.
        antecedent = classify_word(before[clause_start - 2], clause_start - 2 == first_index)
        if antecedent != UNKNOWN:
            return antecedent
    kind = first_in_clause(sentence, clause, first_index, before)
    if kind == UNKNOWN and clause_start > 0 and not before[clause_start - 1].text[0].isalpha():
        # "Bob, the on-call, should have...": the subject sits before the commas.
        kind = first_in_clause(sentence, before, first_index, before)
    return kind


# Groups the writer belongs to when "my" or "our" comes first: "our team", "my squad".
_GROUPS = frozenset("team teams squad squads department org organisation organization group company crew".split())


def _is_own_group(tokens, index):
    """"My team keeps missing deadlines" is the writer speaking about their own group, not singling anyone out."""
    return tokens[index].lower in _GROUPS and index > 0 and tokens[index - 1].lower in ("my", "our")


def _relative_clause_person(tokens, index, clause_start, first_index):
    """"The engineer who wrote the script didn't...": the noun before the verb is the relative clause's object.

    True when the clause opens with a person followed by "who", one verb, and its object ending at index.
    """
    for back in range(index - 1, clause_start, -1):
        word = tokens[back].lower
        if not tokens[back].text[0].isalpha():
            return False
        if word == "who":
            verbs = [t for t in tokens[back + 1:index] if is_verb_like(t.lower, "x") or t.lower.endswith(("ed", "es")) or t.lower in _IRREGULAR_VERBS]
            return len(verbs) == 1 and classify_word(tokens[back - 1], back - 1 == first_index) == PERSON
    return False


_ARTICLES = frozenset("the a an this these those its every each".split())


def _is_impersonal_noun_phrase(tokens, index, clause_start):
    """A lower-case noun not known as a person, led by an article within two words: "the edge case"."""
    head = tokens[index]
    if not head.text[0].islower() or head.lower.endswith(("'s", "s'")) or head.lower in FUNCTION_WORDS:
        return False
    if any(is_verb_like(tokens[i].lower, tokens[i - 1].lower if i > clause_start else "") for i in range(clause_start, index)):
        # "The operator improvised a fix ...": a noun after the clause's verb is its object, not its subject.
        return False
    for back in range(index - 1, max(index - 3, clause_start - 1), -1):
        word = tokens[back]
        if word.lower in _ARTICLES:
            return True
        if not word.text[0].isalpha() or word.lower in FUNCTION_WORDS or classify_word(word, False) != UNKNOWN:
            return False
    return False


_PREPOSITIONS = frozenset("of in on at from for".split())
_NOT_IN_NOUN_PHRASE = FILLER | CLAUSE_OPENERS | _PREPOSITIONS | frozenset("who that which".split())


def _head_before_prepositional_phrase(before, index, first_index):
    """Kind of the head noun when the word before the verb ends a prepositional phrase.

    "The previous owner of the service never wrote..." is about the owner, and
    "someone in finance typed..." about someone, not about the service or finance.
    """
    for back in range(index - 1, max(index - 4, 0), -1):
        word = before[back].lower
        if word in _PREPOSITIONS:
            if back == 0:
                return UNKNOWN
            head = before[back - 1]
            if head.lower.endswith("ing") and back >= 2 and classify_word(before[back - 2], back - 2 == first_index) == PERSON:
                # "A contractor working for the council accidentally...": the participle phrase modifies the person.
                return PERSON
            if not head.text[0].isalpha() or head.lower in _NOT_IN_NOUN_PHRASE:
                return UNKNOWN
            return classify_word(head, back - 1 == first_index)
        if not before[back].text[0].isalpha() or word in _NOT_IN_NOUN_PHRASE:
            return UNKNOWN
    return UNKNOWN


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


# Endings of abstract or technical nouns ("Latency", "Caching", "Replication"), which are not names.
_NOT_NAME_ENDINGS = (
    "ing", "tion", "sion", "ment", "ness", "ity", "ncy", "ance", "ence", "ics", "ism", "ure", "age", "ery", "ogy",
    "ship", "ware", "ers", "ies",
)


def strict_agent_kind(sentence, position):
    """Subject of the verb at position from the words right before it, else from the start of its clause.

    Unlike subject_kind this does not reach for any person named earlier in the
    sentence: in "X ran the job, and the table lock took checkout down" the lock
    took checkout down, not X.
    """
    kind = agent_kind(sentence, position, fallback=False)
    clause_kind, owned = clause_subject(sentence, position)
    return (clause_kind if kind == UNKNOWN else kind), owned


def agent_kind(sentence, position, fallback=True):
    """Kind of the subject of the verb at position, reading an unknown capitalised first word as a name.

    "Tomasz force-pushed..." starts with a word that is neither a known name
    nor a known system; when it stands alone right before the verb, it is
    almost always someone's name.
    """
    kind = subject_kind(sentence, position, fallback)
    if kind != UNKNOWN:
        return kind
    before = [t for t in sentence.tokens_before(position) if t.lower not in FILLER and not t.lower.endswith("ly")]
    if len(before) >= 3 and before[1].lower == "," and before[-1].lower == "," and len(before) <= 7:
        # "Ingrid, as usual, left...": a short aside between commas sits between the name and its verb.
        before = before[:1]
    if len(before) == 1:
        word = before[0].text
        bare = word[:-2] if word.endswith(("'s", "’s")) else word
        if (
            bare[:1].isupper() and bare.isalpha() and len(bare) > 2 and bare[1:].islower()
            and bare.lower() not in SYSTEMS and not bare.lower().endswith(_NOT_NAME_ENDINGS)
        ):
            return PERSON
    return kind


# Past-tense and auxiliary verbs that end a subject noun phrase ("The SRE on duty chose...").
_IRREGULAR_VERBS = frozenset("""
ran took broke made sent told kept left hit cut put set shut wrote chose froze gave went came did had was were is are
began spent lost sat held found thought brought caught taught read led let meant knew saw stood understood forgot got
paid said slept stuck struck overrode rode drove threw blew flew grew drew wore tore swore fell felt dealt built lent bent
fed fled shed spread quit split upset cost hurt burst won reset reran rewrote overwrote overrode mistook misread misled should could would will can may might must didn't wasn't
weren't hadn't couldn't wouldn't shouldn't never also just then
""".split())
DETERMINERS = frozenset("the a an this that these those his her their its our my your every each one some any no".split())


def clause_subject(sentence, position):
    """(kind of the head, whether a person owns it) for the subject of the clause holding position.

    The subject is read from the start of the clause up to its first verb, so
    "The SRE on duty chose to restart the primary rather than..." is about the
    SRE however far the trigger sits from it, and "Gwen's reorg left..." is a
    thing owned by a person.
    """
    before = sentence.tokens_before(position)
    start = _clause_start_hard(before)
    tokens = before[start:]
    phrase, verb_index = subject_phrase(tokens)
    while verb_index is not None and tokens[verb_index].lower in _REPORTING_VERBS and len(tokens) > verb_index + 2:
        # "The company said a maintenance command was run against the wrong cluster": the reported
        # clause has its own subject, and the speaker is not the one acting.
        tokens = tokens[verb_index + 1:]
        if tokens[0].lower == "that":
            tokens = tokens[1:]
        phrase, verb_index = subject_phrase(tokens)
    return phrase_kind(sentence, phrase)


# Verbs that introduce a reported clause without an object ("said", "reported that").
_REPORTING_VERBS = frozenset("""
said says reported reports stated states announced announces confirmed confirms explained explains claimed claims wrote writes
added adds noted notes admitted admits acknowledged acknowledges disclosed discloses revealed reveals believes believed
thinks thought found finds concluded concludes suggested suggests
""".split())


def main_clause(sentence):
    """(kind, owned-by-a-person, verb token index) for the sentence's main clause.

    An introductory phrase without a verb ("Last week, ...") is skipped.
    """
    tokens = list(sentence.tokens)
    phrase, verb_index = subject_phrase(tokens)
    if verb_index is None and phrase is not None:
        return UNKNOWN, False, None
    if verb_index is not None and verb_index < len(tokens) and tokens[verb_index].lower == ",":
        rest = tokens[verb_index + 1:]
        phrase, inner = subject_phrase(rest)
        verb_index = None if inner is None else verb_index + 1 + inner
    if verb_index is None or verb_index >= len(tokens) or not tokens[verb_index].text[0].isalpha():
        return UNKNOWN, False, None
    kind, owned = phrase_kind(sentence, phrase)
    return kind, owned, verb_index


def is_verb_like(word, previous=""):
    """A rough test for a finite verb: an irregular past or auxiliary, or an -ed word not after a determiner."""
    return word in _IRREGULAR_VERBS or word.endswith("n't") or (
        word.endswith("ed") and len(word) > 4 and previous not in DETERMINERS and not previous.endswith(("'s", "’s"))
        and bool(previous)
    )


def subject_phrase(tokens):
    """The words before the first verb-like token, and that token's index (or None)."""
    phrase = []
    for index, token in enumerate(tokens):
        word = token.lower
        if not token.text[0].isalpha():
            if phrase:
                return phrase, index
            continue
        if is_verb_like(word, phrase[-1].lower if phrase else ""):
            return phrase, index
        phrase.append(token)
    return phrase, None


def phrase_kind(sentence, phrase):
    first_index = _first_word_index(sentence)
    if not phrase:
        return UNKNOWN, False
    head_index = len(phrase) - 1
    for i, token in enumerate(phrase):
        if token.lower in _PREPOSITIONS and i > 0:
            head_index = i - 1
            break
    head = phrase[head_index]
    if _is_own_group(phrase, head_index):
        return SELF, False
    is_first = sentence.tokens.index(head) == first_index if head in sentence.tokens else False
    kind = classify_word(head, is_first)
    if kind == UNKNOWN and head_index == 0 and len(phrase) == 1:
        bare = head.text[:-2] if head.text.endswith(("'s", "’s")) else head.text
        if bare[:1].isupper() and bare.isalpha() and len(bare) > 2 and bare[1:].islower() and not bare.lower().endswith(_NOT_NAME_ENDINGS):
            kind = PERSON
    owned = any(
        t.lower in ("his", "her", "their") or (t.lower.endswith(("'s", "’s")) and _possessor_kind(sentence, t, first_index) == PERSON)
        for t in phrase[: head_index]
    )
    if head.lower.endswith(("'s", "’s")):
        owned, kind = _possessor_kind(sentence, head, first_index) == PERSON, UNKNOWN
    return kind, owned


def _possessor_kind(sentence, token, first_index):
    """Kind of a possessive word; a capitalised unknown one ("Priyanka's") is read as a name."""
    is_first = sentence.tokens.index(token) == first_index
    if token.lower[:-2] in ORGANISATIONS:
        return UNKNOWN
    kind = classify_word(token, is_first)
    if kind == UNKNOWN and is_first:
        bare = token.text[:-2]
        if bare[:1].isupper() and bare.isalpha() and len(bare) > 2 and bare[1:].islower() and not bare.lower().endswith(_NOT_NAME_ENDINGS):
            return PERSON
    return kind


def _clause_start_hard(tokens):
    """Index after the last hard clause boundary (punctuation or a subordinating word), keeping "and" inside."""
    for index in range(len(tokens) - 1, -1, -1):
        word = tokens[index].lower
        if word in _HARD_STOPS or word == "," or (word in CLAUSE_OPENERS and word not in ("and", "or", "then", "which")):
            return index + 1
    return 0
