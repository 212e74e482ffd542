"""An organisation's own vocabulary: terms never to flag and extra terms to flag."""
import re
from dataclasses import dataclass, field

from .findings import CATEGORIES


@dataclass(frozen=True)
class FlaggedTerm:
    term: str
    category: str = "loaded_judgement"
    note: str = ""

    def __post_init__(self):
        if self.category not in CATEGORIES:
            raise ValueError(f"Unknown category {self.category!r}")


@dataclass(frozen=True)
class Vocabulary:
    """allowed: terms the detector never flags (a product called "Simple"); flagged: extra terms it flags."""

    allowed: tuple = ()
    flagged: tuple = field(default=())

    def mask_allowed(self, text):
        """The text with each allowed term blanked to lower-case x's of the same length (offsets kept)."""
        pattern = _alternation(self.allowed)
        if pattern is None:
            return text
        return pattern.sub(lambda match: re.sub(r"\w", "x", match.group().lower()), text)

    def flagged_matches(self, text):
        """(start, end, FlaggedTerm) for each occurrence of a flagged term, whole words, any case."""
        by_lower = {term.term.lower(): term for term in self.flagged}
        pattern = _alternation(tuple(by_lower))
        if pattern is None:
            return []
        return [(m.start(), m.end(), by_lower[m.group().lower()]) for m in pattern.finditer(text)]


def _alternation(terms):
    terms = sorted({term.strip() for term in terms if term and term.strip()}, key=len, reverse=True)
    if not terms:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(term) for term in terms) + r")(?!\w)", re.IGNORECASE)
