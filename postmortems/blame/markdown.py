"""Hide the parts of a Markdown document that are not the author's prose.

Code (fenced, indented, inline), block quotes, log lines, link targets and
words mentioned in quotes are blanked out with spaces, so the detector only
reads prose while every offset still points into the original text.
"""
import re

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_QUOTE_LINE = re.compile(r"^ {0,3}>")
_INDENTED = re.compile(r"^(?: {4}|\t)")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s")
# A log line: a timestamp or bracketed level followed by a log level keyword.
_LOG_LINE = re.compile(
    r"^\s*(?:\[?\d{4}-\d\d-\d\d[T ][\d:.,Z+-]*\]?\s+|\[?\d\d:\d\d(?::\d\d)?[\d.,]*\]?\s+)?"
    r"\[?(?:ERROR|WARN|WARNING|INFO|DEBUG|TRACE|FATAL|CRITICAL|PANIC)\b[\]:]?",
)
_INLINE_CODE = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)")
_LINK_TARGET = re.compile(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")
_URL = re.compile(r"\bhttps?://\S+")
# Quoted text that is a log message or a word being mentioned rather than used:
# "ERROR: job failed to start", 'just', "human error".
# An apostrophe between letters ("didn't", "Dave's") stays inside the quotation.
_QUOTED = re.compile(r"(?<!\w)[\"“‘'](?P<body>(?:[^\"“”‘’'\n]|(?<=\w)['’](?=\w)){1,200})[\"”’'](?!\w)")
# Words that, within a few words before a quotation, frame it as wording being discussed or reported:
# "Replace '...' with", "Instead of writing '...'", "when someone says '...'", "phrases like '...'".
# The quoted words are then the topic of the sentence, not the writer's own judgement.
_WORDING_FRAME = frozenset("""
say says said saying write writes wrote writing written replace replaces replaced replacing compare compares compared comparing
contrast ask asks asked asking instead rather phrase phrases phrasing wording word words sentence sentences line lines language
term terms expression expressions like such e.g. call calls calling called label labels labelled labeled labelling hear hears
heard hearing swap swapping reword rewrite rewriting quote quotes quoted quoting tell tells told versus vs vs.
read reads mention mentions mentioned complain complains complained claim claims claimed insist insists insisted remark remarks
remarked reply replies replied answer answers answered respond responds responded type typed
""".split())
_LOGGISH = re.compile(r"(?:ERROR|WARN|FATAL|Exception|Traceback|[=/{}<>]|::|\w\(\)|\w+_\w+|\b[A-Z]{3,}:)")


def prose_mask(text):
    """Return text with every non-prose character replaced by a space (newlines kept)."""
    chars = list(text)
    _blank_blocks(text, chars)
    masked = "".join(chars)
    for pattern in (_INLINE_CODE, _LINK_TARGET, _URL):
        for match in pattern.finditer(masked):
            _blank(chars, match.start(), match.end())
        masked = "".join(chars)
    for match in _QUOTED.finditer(masked):
        if _is_mention_or_log(match.group("body")) or _is_discussed_wording(masked, match.start()):
            _blank(chars, match.start(), match.end())
    return "".join(chars)


def _is_discussed_wording(text, start):
    """A word of saying, writing, replacing or comparing sits within four words before the quotation."""
    before = re.split(r"[.!?]\s+|\n\s*\n", text[max(0, start - 80):start])[-1]
    return any(word.strip(",:;—–-").lower() in _WORDING_FRAME for word in before.split()[-4:])


def _is_mention_or_log(body):
    """A quoted mention or short reported fragment (up to four words), or a quoted log/code fragment.

    "She said she 'should have double-checked'" reports someone's own words; the
    writer is not making that judgement.
    """
    words = body.split()
    if len(words) <= 4 and not body.rstrip().endswith((".", "!", "?")):
        return True
    return bool(_LOGGISH.search(body))


def _blank_blocks(text, chars):
    """Blank fenced code, indented code, block quotes and log lines, line by line."""
    fence = None
    previous_blank = True
    in_indented_code = False
    offset = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        blank_line = not body.strip()
        opening = _FENCE.match(body)
        if fence is not None:
            _blank(chars, offset, offset + len(body))
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
        elif opening:
            fence = opening.group(1)
            _blank(chars, offset, offset + len(body))
        else:
            # Indented code cannot interrupt a paragraph, hence the blank-line check.
            is_code = (
                not blank_line
                and _INDENTED.match(body) is not None
                and (previous_blank or in_indented_code)
                and not _LIST_ITEM.match(body)
            )
            in_indented_code = is_code or (in_indented_code and blank_line)
            if is_code or _QUOTE_LINE.match(body) or _LOG_LINE.match(body):
                _blank(chars, offset, offset + len(body))
        previous_blank = blank_line
        offset += len(line)


def _blank(chars, start, end):
    for i in range(start, end):
        if chars[i] not in "\r\n":
            chars[i] = " "
