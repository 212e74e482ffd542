"""iCalendar (RFC 5545) invitations for review meetings, written by hand: one event, a handful of lines.

Text values are escaped (backslash, semicolon, comma, line breaks) and parameter values quoted, so
nothing typed into a meeting can start a property of its own; every line is folded at 75 octets
without splitting a UTF-8 character, and lines end in CRLF, as the RFC requires. The method
(REQUEST or CANCEL) follows iTIP (RFC 5546): calendars match updates by UID and keep the one with
the highest SEQUENCE.
"""
import re
from urllib.parse import quote
from datetime import timezone as dt_timezone

PRODID = "-//Debrief//Review meetings//EN"
MAX_OCTETS = 75
# Control characters are not allowed in TEXT or parameter values (RFC 5545, 3.1 and 3.3.11); tab is.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n|\u2028|\u2029|\x85")


def escape_text(value):
    """A TEXT value: backslashes, semicolons, commas and line breaks escaped, other controls dropped."""
    text = _LINE_BREAK.sub("\n", str(value))
    text = _CONTROL.sub("", text)
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\n", "\\n")


def param_value(value):
    """A parameter value (CN): double-quoted, which cannot itself hold a quote or a control character."""
    text = _CONTROL.sub("", _LINE_BREAK.sub(" ", str(value))).replace("\t", " ").replace('"', "'")
    return f'"{text}"'


def utc(moment):
    """A DATE-TIME in UTC (`20261130T173000Z`): no time zone definitions needed."""
    return moment.astimezone(dt_timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def fold(line):
    """`line` split into physical lines of at most 75 octets, each continuation starting with a space."""
    encoded = line.encode("utf-8")
    if len(encoded) <= MAX_OCTETS:
        return line
    parts, current, size, limit = [], [], 0, MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, MAX_OCTETS - 1  # the leading space counts
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def mailto(address):
    """A mailto: URI; characters that could end the value or the line are percent-encoded."""
    return "mailto:" + quote(re.sub(r"[\x00-\x1f\x7f]", "", str(address)), safe="@.+-_!#$&'*/=?^`{|}~")


def calendar(*, uid, method, sequence, starts_at, ends_at, summary, description, location, url,
             organiser, attendees, stamp):
    """The VCALENDAR text of one event. `organiser` and `attendees` are (name, email) pairs."""
    cancelled = method == "CANCEL"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{escape_text(uid)}",
        f"SEQUENCE:{int(sequence)}",
        f"DTSTAMP:{utc(stamp)}",
        f"DTSTART:{utc(starts_at)}",
        f"DTEND:{utc(ends_at)}",
        f"SUMMARY:{escape_text(summary)}",
        f"DESCRIPTION:{escape_text(description)}",
    ]
    if location:
        lines.append(f"LOCATION:{escape_text(location)}")
    if url:
        lines.append(f"URL:{url}")
    name, email = organiser
    lines.append(f"ORGANIZER;CN={param_value(name)}:{mailto(email)}")
    for name, email in attendees:
        lines.append(
            f"ATTENDEE;CN={param_value(name)};CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;"
            f"PARTSTAT=NEEDS-ACTION;RSVP={'FALSE' if cancelled else 'TRUE'}:{mailto(email)}"
        )
    lines += [
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)
