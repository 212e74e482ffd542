"""Split masked prose into sentences and word tokens that keep their offsets."""
import re
from dataclasses import dataclass
from typing import NamedTuple

from .caseless import lowers_safely

# A sentence ends at . ! ? (plus closing quotes/brackets) before whitespace, or at
# a blank line, or where a new Markdown block (heading, list item, table row) begins.
_BOUNDARY = re.compile(
    r"(?<=[.!?])[\"'”’)\]]*\s+"
    r"|\n\s*\n"
    r"|\n(?=\s*(?:[-*+]\s|\d+[.)]\s|#{1,6}\s|\|))"
    r"|(?<=:)\s*\n"
    # A bold lead-in label ("- **Knowledge silo**: Only one person knew...") names a theme;
    # it is not part of the claim that follows, so it stands as its own sentence.
    r"|(?<=\*\*:|__:)[ \t]+|(?<=:\*\*|:__)[ \t]+"
)
_ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|etc|vs|Mr|Mrs|Ms|Dr|approx|No|St|Inc|Ltd)\.$", re.IGNORECASE)
# "a.m." and "p.m." end a sentence only when a capital letter follows.
_TIME_ABBREVIATION = re.compile(r"\b[ap]\.m\.$", re.IGNORECASE)
_LONGEST_ABBREVIATION = len("approx.") + 1
_WORD_PART = re.compile(r"[a-z]{3,}")
# Words are letters of any script ([^\W\d_]), so "Lucía" or "Siobhán" is one word, not "Luc" and "a";
# combining marks (a decomposed "á", the vowel signs of Indic scripts) continue a word.
_MARKS = "\u0300-\u036f\u0900-\u0dff\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_LETTER_OR_MARK = rf"(?:[^\W_]|[{_MARKS}])"
_TOKEN = re.compile(rf"[^\W\d_]{_LETTER_OR_MARK}*(?:['’\-]{_LETTER_OR_MARK}+)*|\d+(?:[.:]\d+)*|[;:,()—–]|\s-\s")


class Token(NamedTuple):
    """A word or clause punctuation with its offset inside the sentence.

    A named tuple rather than a dataclass: documents have thousands of tokens and the rules read
    lower (the lower-cased word, curly apostrophes made straight) many times, so it is computed once.
    """

    text: str
    start: int
    end: int
    previous: str = ""  # the word before, lower-cased, for words whose sense depends on it ("hiring panel")
    lower: str = ""


def make_token(text, start, end, previous=""):
    return _new_tuple(Token, (text, start, end, previous, text.lower().replace("’", "'")))


_new_tuple = tuple.__new__


@dataclass(frozen=True)
class Sentence:
    """A sentence of prose; start is its offset in the original document."""

    text: str
    start: int
    tokens: tuple
    word_prefixes: frozenset = frozenset()
    # The lower-cased text when the rules may scan it with case-sensitive copies of their patterns
    # (cheaper than case-insensitive matching); None when lower-casing is not a safe stand-in for
    # case-insensitive matching (a letter outside ASCII, whose case rules differ).
    lower_text: str = None

    def tokens_before(self, position):
        """Tokens that end at or before position (an offset inside the sentence)."""
        return [token for token in self.tokens if token.end <= position]

    def tokens_after(self, position):
        return [token for token in self.tokens if token.start >= position]


def split_sentences(masked):
    """Yield Sentence objects for each non-empty sentence of the masked text."""
    start = 0
    for boundary in _BOUNDARY.finditer(masked):
        # Abbreviations are short, so only the last few characters before a boundary are searched.
        tail = max(start, boundary.start() - _LONGEST_ABBREVIATION)
        if "\n" not in boundary.group() and (
            _ABBREVIATION.search(masked, tail, boundary.start())
            or (_TIME_ABBREVIATION.search(masked, tail, boundary.start()) and masked[boundary.end():boundary.end() + 1].islower())
        ):
            continue
        yield from _pieces(masked, start, boundary.start())
        start = boundary.end()
    yield from _pieces(masked, start, len(masked))


# Real sentences stay well under this (a long quoted news sentence is 300 to 400 characters). A
# run-on "sentence" of pasted logs or hostile input is read in pieces of at most this length: the
# rules look around each match within its sentence, so one 50,000-character sentence would cost
# seconds where fifty pieces cost milliseconds.
LONGEST_SENTENCE = 800


def _pieces(masked, start, end):
    while end - start > LONGEST_SENTENCE:
        limit = start + LONGEST_SENTENCE
        cut = max(masked.rfind(mark, start + LONGEST_SENTENCE // 2, limit) for mark in (", ", "; ", ": "))
        if cut < 0:
            cut = masked.rfind(" ", start + LONGEST_SENTENCE // 2, limit)
        cut = limit if cut < 0 else cut + 1
        yield from _sentence(masked, start, cut)
        start = cut
    yield from _sentence(masked, start, end)


def _sentence(masked, start, end):
    chunk = masked[start:end]
    stripped = chunk.strip()
    if not stripped:
        return
    lead = len(chunk) - len(chunk.lstrip())
    text = stripped
    lowered = text.lower()
    if len(lowered) != len(text):
        # A rare character whose lower case is longer ("İ") would shift the offsets: token by token.
        tokens, previous = [], ""
        for m in _TOKEN.finditer(text):
            word = m.group().strip()
            tokens.append(make_token(word, m.start(), m.end(), previous))
            previous = word.lower()
        yield Sentence(text=text, start=start + lead, tokens=tuple(tokens), word_prefixes=_prefixes(lowered))
        return
    lower_text = lowered if lowers_safely(text) else None
    # Slicing the lower-cased sentence once is much cheaper than lower-casing each of its words.
    normal = lowered.replace("’", "'")
    tokens, previous = [], ""
    for m in _TOKEN.finditer(text):
        word_start, word_end = m.span()
        word = m.group()
        if word[0].isspace():  # the " - " dash token
            word, word_start_text = word.strip(), word_start + 1
            lower = normal[word_start_text:word_start_text + len(word)]
            this_previous = lowered[word_start_text:word_start_text + len(word)]
        else:
            lower = normal[word_start:word_end]
            this_previous = lowered[word_start:word_end]
        tokens.append(_new_tuple(Token, (word, word_start, word_end, previous, lower)))
        previous = this_previous
    yield Sentence(text=text, start=start + lead, tokens=tuple(tokens), word_prefixes=_prefixes(lowered),
                   lower_text=lower_text)


def _prefixes(lowered):
    """The 3- to 10-letter beginnings of every word part of the lower-cased text, for the rules' keyword pre-check."""
    prefixes = set()
    for word in set(_WORD_PART.findall(lowered)):
        known = _PREFIX_CACHE.get(word)
        if known is None:
            if len(_PREFIX_CACHE) > 50_000:
                _PREFIX_CACHE.clear()  # bounded: odd input must not grow it without limit
            known = _PREFIX_CACHE[word] = tuple(word[:size] for size in range(3, min(len(word), 10) + 1))
        prefixes.update(known)
    return frozenset(prefixes)


# Words repeat across a document (and across documents), so each word's prefixes are worked out once.
_PREFIX_CACHE = {}


def whole_sentence(text):
    """The whole of text as one Sentence (for a training line that may hold two short sentences)."""
    masked = text.strip()
    return next(_sentence(masked, 0, len(masked)), Sentence(text="", start=0, tokens=()))


def plain_text(sentence):
    """The sentence's words (and numbers) joined by spaces: what the learned model reads.

    Markdown decoration (bold labels, list markers, table pipes) and punctuation carry no
    meaning for it, and a model trained on plain sentences must not see them as signal.
    """
    return " ".join(token.text for token in sentence.tokens if token.text[0].isalnum())


def word_count(sentence):
    return sum(1 for token in sentence.tokens if token.text[0].isalpha())
