"""Markdown to safe HTML. Sanitised on output, never on save, so stored text stays as typed.

Python-Markdown is slow on some shapes of text: it looks for each `[`'s closing
bracket and each unfinished `<tag`'s closing `>` by scanning ahead (quadratic
time), and it opens a nested list or quote per marker by recursion (a
RecursionError on `- - - … x`). Before Markdown sees the text, `render_markdown`
caps its length and swaps the characters that would start such a scan or
nesting, beyond any depth a person writes, for placeholder characters that
Markdown treats as plain text; they are swapped back in its output, so they show
exactly as typed, in code too. (Backslash escapes would not do: Markdown rewrites
the whole paragraph for each escape, which is quadratic again.)
"""
import functools
import re

import markdown as markdown_lib
import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "span",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title"},
    "td": {"align"},
    "th": {"align"},
    "code": {"class"},
}
# No javascript:, data: or vbscript: URLs; relative links stay allowed.
URL_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["extra", "sane_lists"]

# Sections are limited to 50,000 characters when saved; older or imported text may be longer.
MAX_LENGTH = 100_000
# Deeper than anyone nests lists or quotes on purpose.
MAX_NESTING = 30
# Link text and targets nest a few brackets deep at most; Markdown's work grows with this depth.
MAX_BRACKET_DEPTH = 10
BRACKET_REACH = 2_000
# How far a `<tag` may run to its `>`; beyond that (or with another `<` first) it is text.
TAG_REACH = 1_000

# Unicode noncharacters: never in real text (removed from the input first), plain text to Markdown.
INERT = {char: chr(0xFDD0 + index) for index, char in enumerate("[]()<>-*+.")}
SHOWN = {inert: {"<": "&lt;", ">": "&gt;"}.get(char, char) for char, inert in INERT.items()}
NONCHARACTERS = re.compile("[\ufdd0-\ufdef]")
INERT_CHARACTERS = re.compile(f"[{''.join(SHOWN)}]")

CODE_CLASS = re.compile(r"language-[\w-]+")
CONTROL_AND_SPACE = re.compile(r"^[\x00-\x20]+|[\x00-\x20]+$")
URL_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")
BRACKET_OR_ESCAPE = re.compile(r"\\.|[\[\]()]", re.DOTALL)
# A run of list and quote markers at the start of a line: each one opens a nested block.
MARKER = r"[ \t]*(?:[*+-]|\d{1,9}[.)])[ \t]+|[ \t]*>"
LEADING_MARKERS = re.compile(rf"^(?:{MARKER})+", re.MULTILINE)
MARKER_PUNCTUATION = re.compile(r"[*+\-.)>]")
LEADING_WHITESPACE = re.compile(r"^[ \t]+", re.MULTILINE)
TAG_START = re.compile(r"<(?=[a-zA-Z/!?])")
FINISHED_TAG = re.compile(rf"<[^<>]{{0,{TAG_REACH}}}>")


@functools.lru_cache(maxsize=128)
def render_markdown(text):
    """Render Markdown written by a user to sanitised HTML, in time about linear in its length.

    Cached by text: a page read often renders each unchanged section once per process.
    """
    if not text:
        return ""
    html = markdown_lib.markdown(tame(text), extensions=EXTENSIONS, output_format="html")
    html = INERT_CHARACTERS.sub(lambda match: SHOWN[match.group()], html)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        attribute_filter=allowed_attribute_value,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def tame(text):
    """The text with what would make Markdown slow or crash made inert (see the module docstring)."""
    text = NONCHARACTERS.sub("", _shortened(text))
    text = _inert_deep_brackets(text)
    text = _inert_deep_markers(text)
    text = _limit_indentation(text)
    return _inert_unfinished_tags(text)


def _shortened(text):
    if len(text) <= MAX_LENGTH:
        return text
    rest = len(text) - MAX_LENGTH
    return f"{text[:MAX_LENGTH]}\n\n*Shortened here: {rest:,} more characters are not shown.*"


def _inert_deep_brackets(text):
    """Brackets and parentheses Markdown would scan far for become inert.

    Markdown scans from each `[` to its `]` (several times) and from each `](` to its
    `)`, so its work grows with nesting depth times length. No link a person writes
    is nested deeper than MAX_BRACKET_DEPTH, spans more than BRACKET_REACH characters
    or is never closed, so such brackets are made inert.
    """
    if text.count("[") + text.count("(") <= MAX_BRACKET_DEPTH:
        return text
    inert = set()
    open_at = {"[": [], "(": []}
    for match in BRACKET_OR_ESCAPE.finditer(text):
        found, position = match.group(), match.start()
        if len(found) == 2:  # a backslash escape: Markdown shows it as text anyway
            continue
        if found in open_at:
            open_at[found].append(position)
            continue
        stack = open_at["[" if found == "]" else "("]
        if not stack:
            continue
        opened = stack.pop()
        if len(stack) >= MAX_BRACKET_DEPTH or position - opened > BRACKET_REACH:
            inert.update((opened, position))
    for stack in open_at.values():
        inert.update(stack)
    if not inert:
        return text
    return "".join(INERT[char] if index in inert else char for index, char in enumerate(text))


def _inert_deep_markers(text):
    """List and quote markers after the first MAX_NESTING at the start of a line become inert."""
    def replace(match):
        markers = re.findall(MARKER, match.group())
        if len(markers) <= MAX_NESTING:
            return match.group()
        kept, deep = "".join(markers[:MAX_NESTING]), "".join(markers[MAX_NESTING:])
        return kept + MARKER_PUNCTUATION.sub(lambda found: INERT[found.group()], deep)

    return LEADING_MARKERS.sub(replace, text)


def _limit_indentation(text):
    """Indentation beyond MAX_NESTING levels (4 columns each) is cut: each level is a nested list.

    Unlike the other rewrites this changes what shows, but only for lines indented over 120 columns.
    """
    widest = 4 * MAX_NESTING

    def limit(match):
        indent = match.group().expandtabs(4)
        return indent[:widest] if len(indent) > widest else match.group()

    return LEADING_WHITESPACE.sub(limit, text)


def _inert_unfinished_tags(text):
    """A `<tag` with no `>` within TAG_REACH (before another `<`) is text, so its `<` becomes inert.

    Markdown's HTML parser scans from each `<tag` to the next `>`, so thousands of
    unfinished tags take quadratic time.
    """
    comment_end = -1

    def replace(match):
        nonlocal comment_end
        start = match.start()
        if text.startswith("<!--", start):
            # A comment may be long and hold tags; it is finished if a `-->` comes later.
            if comment_end < start:
                comment_end = text.find("-->", start + 4)
                if comment_end < 0:
                    comment_end = len(text)  # no comment closes after here: stop looking
                    return INERT["<"]
            return match.group() if comment_end < len(text) else INERT["<"]
        return match.group() if FINISHED_TAG.match(text, start) else INERT["<"]

    return TAG_START.sub(replace, text)


def allowed_attribute_value(element, attribute, value):
    """nh3's last word on each attribute: code classes name a language, images are local."""
    if element == "code" and attribute == "class":
        return value if CODE_CLASS.fullmatch(value) else None
    if element == "img" and attribute == "src":
        # Remote images are tracking pixels on restricted incidents and break air-gapped use.
        return value if _is_relative(value) and not _is_scheme_relative(value) else None
    if element == "a" and attribute == "href":
        return None if _is_scheme_relative(value) else value
    return value


def _browser_form(url):
    # Browsers drop tabs and newlines inside URLs, trim spaces and controls, and read `\` as `/`.
    return CONTROL_AND_SPACE.sub("", re.sub(r"[\t\n\r]", "", url)).replace("\\", "/")


def _is_scheme_relative(url):
    """`//host/path` (or `\\\\host`): another site, whatever the page's own scheme."""
    return _browser_form(url).startswith("//")


def _is_relative(url):
    return not URL_SCHEME.match(_browser_form(url))
