"""Template filters for Debrief pages."""
import html

from django import template
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe

from postmortems.rendering import render_markdown

register = template.Library()


@register.filter
def markdown(text):
    """Sanitised HTML from Markdown; safe to mark because nh3 has cleaned it."""
    return mark_safe(render_markdown(text))


EXCERPT_SOURCE_CHARACTERS = 1500


@register.filter
def plaintext(text):
    """Markdown reduced to its words, for excerpts; the template escapes the result.

    Only the start is rendered: an excerpt needs a few dozen words, and a list
    page must not pay for rendering twenty whole sections.
    """
    return html.unescape(strip_tags(render_markdown((text or "")[:EXCERPT_SOURCE_CHARACTERS]))).strip()


@register.filter
def lookup(mapping, key):
    """mapping[key] in a template, or None."""
    return mapping.get(key) if mapping else None


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (for pagination links)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


@register.filter
def duration(delta):
    """A timedelta as people say it: '2 d 3 h', '1 h 5 min', '40 min'."""
    if delta is None:
        return ""
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"
