"""Searching post-mortems: PostgreSQL full-text search, and a plain fallback for SQLite.

Callers pass a queryset that is already `visible_to(user)`, so results, snippets and counts
only ever include what the person may read. On PostgreSQL each post-mortem stores a weighted
vector (title A, summary B, other sections and action-item titles C) in `search_vector`,
written by `update_search_vector` from every path that changes those texts.
"""
import re
from dataclasses import dataclass

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, OuterRef, Q, Subquery, TextField, Value
from django.db.models.functions import Concat
from django.db.models.sql import Query
from django.utils.html import escape
from django.utils.safestring import mark_safe

from postmortems.models import ActionItem, PostMortem

CONFIG = "english"
MAX_QUERY_LENGTH = 200
RECENT_FIRST = ["-created_at", "-id"]
OTHER_SECTIONS = [name for name in PostMortem.SECTIONS if name != "summary"]
# Private-use characters mark the headline's matches, so the text around them can be escaped
# and only the marks become <mark> tags, whatever the post-mortem itself contains.
START, STOP = "\ue000", "\ue001"
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f\ue000\ue001]")
# The last word, if plain (not negated, not joined to punctuation), is matched as a prefix for
# type-ahead; letters and digits only, so the raw tsquery built from it cannot carry operators.
LAST_PLAIN_WORD = re.compile(r"(?:^|\s)([^\W_]+)$")
SNIPPET_CONTEXT = 60
SNIPPET_LENGTH = 220


@dataclass
class Search:
    """What was searched for and how: `text` cleaned; `note` explains a search that was ignored."""

    text: str = ""
    query: SearchQuery | None = None
    terms: tuple = ()
    note: str = ""

    def __bool__(self):
        return bool(self.query is not None or self.terms)


def update_search_vector(postmortem_ids):
    """Recompute the stored vector of these post-mortems in one UPDATE (a no-op off PostgreSQL)."""
    if connection.vendor != "postgresql":
        return 0
    return PostMortem.objects.filter(pk__in=list(postmortem_ids)).update(search_vector=_vector())


def rebuild_search_index():
    """Recompute every post-mortem's vector; returns how many were written."""
    if connection.vendor != "postgresql":
        return 0
    return PostMortem.objects.update(search_vector=_vector())


def _vector():
    action_titles = Subquery(
        ActionItem.objects.filter(postmortem=OuterRef("pk")).order_by().values("postmortem")
        .annotate(titles=StringAgg("title", " ", order_by="id")).values("titles")
    )
    return (
        SearchVector("title", weight="A", config=CONFIG)
        + SearchVector("summary", weight="B", config=CONFIG)
        + SearchVector(*OTHER_SECTIONS, action_titles, weight="C", config=CONFIG)
    )


def clean_query(text):
    """The search text with control characters and runs of spaces removed, capped in length."""
    text = CONTROL_CHARACTERS.sub(" ", text or "")
    return " ".join(text.split())[:MAX_QUERY_LENGTH].strip()


def parse(text):
    """A Search for the list page's `q`; empty when there is nothing to search for."""
    text = clean_query(text)
    if not text:
        return Search()
    if connection.vendor == "postgresql":
        query = _full_text_query(text)
        if _has_terms(query):
            return Search(text=text, query=query)
    else:
        terms = _plain_terms(text)
        if terms:
            return Search(text=text, terms=terms)
    return Search(text=text, note=f"“{text}” has no words to search for, so every post-mortem is shown.")


def _full_text_query(text):
    """Web-search syntax ("quotes", -not, or), plus the last word as a prefix while typing."""
    query = SearchQuery(text, search_type="websearch", config=CONFIG)
    last = LAST_PLAIN_WORD.search(text)
    if not last:
        return query
    prefix = SearchQuery(f"{last.group(1)}:*", search_type="raw", config=CONFIG)
    head = text[:last.start(1)].strip()
    if head:
        prefix = SearchQuery(head, search_type="websearch", config=CONFIG) & prefix
    return query | prefix


def _has_terms(query):
    """Whether the query keeps any term once parsed (punctuation and stop words alone do not)."""
    compiler = Query(PostMortem).get_compiler(connection=connection)
    sql, params = compiler.compile(query.resolve_expression(compiler.query))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT numnode({sql})", params)
        return cursor.fetchone()[0] > 0


def apply(queryset, search):
    """The queryset narrowed to the search's matches, best first (rank, then most recent)."""
    if search.query is not None:
        return queryset.filter(search_vector=search.query).annotate(
            search_rank=SearchRank(F("search_vector"), search.query)
        ).order_by("-search_rank", *RECENT_FIRST)
    if search.terms:
        return plain_search(queryset, search.terms)
    return queryset


def plain_search(queryset, terms):
    """SQLite's search: every term somewhere in the title, a section or an action-item title."""
    for term in terms:
        # A subquery, not a join, so a post-mortem with two matching items is listed once.
        items = ActionItem.objects.filter(title__icontains=term).values("postmortem_id")
        condition = Q(title__icontains=term) | Q(pk__in=items)
        for name in PostMortem.SECTIONS:
            condition |= Q(**{f"{name}__icontains": term})
        queryset = queryset.filter(condition)
    return queryset


def _plain_terms(text):
    words = (word.strip("\"'()") for word in text.split())
    return tuple(word for word in words if word and word != "-" and any(c.isalnum() for c in word))


def add_snippets(postmortems, search):
    """Set `snippet` (safe HTML: escaped text, matches in <mark>) on each listed post-mortem."""
    postmortems = list(postmortems)
    for postmortem in postmortems:
        postmortem.snippet = ""
    if search.query is not None and postmortems:
        _add_headlines(postmortems, search.query)
    elif search.terms:
        for postmortem in postmortems:
            postmortem.snippet = plain_snippet(postmortem, search.terms)


def _add_headlines(postmortems, query):
    # One query for the page's rows only: ts_headline is costly, so never for the whole result.
    sections = Concat(*[part for name in PostMortem.SECTIONS for part in (F(name), Value("\n"))],
                      output_field=TextField())
    headlines = dict(PostMortem.objects.filter(pk__in=[p.pk for p in postmortems]).annotate(
        headline=SearchHeadline(sections, query, config=CONFIG, start_sel=START, stop_sel=STOP,
                                max_words=35, min_words=15)
    ).values_list("pk", "headline"))
    for postmortem in postmortems:
        headline = headlines.get(postmortem.pk) or ""
        postmortem.snippet = marked(headline) if START in headline else ""


def marked(headline):
    """Escape a headline whose matches are wrapped in START/STOP, turning only those into <mark>."""
    parts, open_ = [], False
    for piece in re.split(f"([{START}{STOP}])", " ".join(headline.split())):
        if piece == START and not open_:
            parts.append("<mark>")
            open_ = True
        elif piece == STOP and open_:
            parts.append("</mark>")
            open_ = False
        elif piece not in (START, STOP):
            parts.append(escape(piece))
    if open_:
        parts.append("</mark>")
    return mark_safe("".join(parts).strip())


def plain_snippet(postmortem, terms):
    """An escaped excerpt of the first section that contains a term, the terms in <mark>."""
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    for name in PostMortem.SECTIONS:
        text = " ".join((getattr(postmortem, name) or "").split())
        found = pattern.search(text)
        if found:
            start = max(found.start() - SNIPPET_CONTEXT, 0)
            excerpt = text[start:start + SNIPPET_LENGTH]
            lead = "… " if start else ""
            tail = " …" if start + SNIPPET_LENGTH < len(text) else ""
            return mark_safe(lead + _mark_matches(excerpt, pattern) + tail)
    return ""


def _mark_matches(text, pattern):
    parts, position = [], 0
    for found in pattern.finditer(text):
        parts.append(escape(text[position:found.start()]))
        parts.append(f"<mark>{escape(found.group())}</mark>")
        position = found.end()
    parts.append(escape(text[position:]))
    return "".join(parts)
