"""Case-insensitive patterns matched the cheap way: case-sensitively, on lower-cased text.

Python's regex engine matches a case-insensitive pattern about half as fast as the same pattern
case-sensitively, and the detector runs well over a hundred patterns on every sentence. Lower-cased
text read by the pattern without IGNORECASE finds a match exactly where the original would,
provided the pattern spells no capital letter itself and the text has no letter outside ASCII
(whose case rules differ: "İ" grows when lower-cased, "ſ" matches "s" only case-insensitively).
Where either fails, the original pattern is used.
"""
import re

_NON_ASCII_LETTER = re.compile(r"[^\W\x00-\x7f]")


def lowers_safely(text):
    """Whether text.lower() can stand in for case-insensitive matching of text (offsets included)."""
    return text.isascii() or not _NON_ASCII_LETTER.search(text)


def names_no_capitals(pattern):
    """Whether the pattern string, outside escapes, group names and [A-Za-z], holds no capital letter."""
    bare = re.sub(r"\\.", "", pattern)
    bare = re.sub(r"\(\?P<\w+>|\(\?P=\w+\)", "", bare)
    bare = bare.replace("A-Za-z", "").replace("a-zA-Z", "")
    return not re.search("[A-Z]", bare)


def lowered_copy(pattern):
    """The pattern compiled without IGNORECASE for lower-cased text, or None where that would differ."""
    return re.compile(pattern) if names_no_capitals(pattern) else None


class Caseless:
    """A case-insensitive pattern for yes/no questions ("does the text say X?")."""

    def __init__(self, pattern):
        self.pattern = re.compile(pattern, re.IGNORECASE)
        self.lowered = lowered_copy(pattern)

    def found_in(self, text, lower_text=None):
        """Whether the pattern occurs in text; lower_text, when given, is text.lower() known to be safe."""
        if self.lowered is not None:
            if lower_text is not None:
                return self.lowered.search(lower_text) is not None
            if lowers_safely(text):
                return self.lowered.search(text.lower()) is not None
        return self.pattern.search(text) is not None
