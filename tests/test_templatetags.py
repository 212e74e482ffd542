"""Small presentation helpers used across pages."""
from datetime import timedelta

import pytest

from postmortems.templatetags.debrief import duration


@pytest.mark.parametrize(("delta", "spoken"), [
    (timedelta(minutes=40), "40 min"),
    (timedelta(hours=1, minutes=5), "1 h 5 min"),
    (timedelta(hours=3), "3 h"),
    (timedelta(days=2, hours=3, minutes=10), "2 d 3 h"),
    (timedelta(days=1), "1 d"),
])
def test_duration_reads_like_speech(delta, spoken):
    assert duration(delta) == spoken


def test_duration_of_nothing_is_empty():
    assert duration(None) == ""


def test_plaintext_excerpt_drops_markdown_and_markup():
    from postmortems.templatetags.debrief import plaintext

    assert plaintext("The `retry` flag & **bold** <script>x()</script>move") == "The retry flag & bold move"


def test_plaintext_excerpt_renders_only_the_start_of_a_long_section():
    from postmortems.templatetags.debrief import EXCERPT_SOURCE_CHARACTERS, plaintext

    text = "First words of the summary. " + "filler " * 10_000 + "LAST-WORD"
    excerpt = plaintext(text)
    assert excerpt.startswith("First words of the summary.")
    assert "LAST-WORD" not in excerpt
    assert len(excerpt) <= EXCERPT_SOURCE_CHARACTERS
