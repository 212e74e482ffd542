"""Post-mortems as documents: Markdown with front matter, a PDF, and a zip of everything a person may read.

The Markdown body is `portability.postmortem_markdown`, the same file `export_org` writes; the
front matter added here carries the metadata as YAML whose every string is double-quoted and
escaped, so no title can end the front matter early or add keys to it.

The PDF is the sanitised HTML of the page (`rendering.render_markdown`) laid out by WeasyPrint.
WeasyPrint needs Pango, a system library, so it is imported only when a PDF is asked for, and its
absence is a `PdfUnavailable` the view turns into a 503 page. It fetches nothing over the network:
its URL fetcher serves our own static files from disk and refuses every other URL.
"""
import mimetypes
import re
import zipfile
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone

from postmortems.guides import guide_for
from postmortems.models import ActionItem, ContributingFactor, PostMortem
from postmortems.portability import markdown_filename, postmortem_markdown

# Post-mortems read from the database per round trip while a zip is written: memory stays
# flat however many a person may see (10,000 post-mortems are 10,000 / ZIP_BATCH queries of each kind).
ZIP_BATCH = 100


# Markdown with front matter ------------------------------------------------------------------

# YAML's printable characters (YAML 1.2, 5.1) minus the line breaks: anything else is escaped.
_YAML_UNSAFE = re.compile("[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\u2028\u2029\ufeff]")
_YAML_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def yaml_string(value):
    """`value` as a YAML double-quoted scalar that parses back to exactly the same text.

    Line breaks, quotes, backslashes and every non-printable character are escaped, so the
    value stays on one line and inside its quotes: `---`, `: `, `#` and the like are plain text.
    """
    def escape(match):
        char = match.group()
        if char in _YAML_ESCAPES:
            return _YAML_ESCAPES[char]
        code = ord(char)
        if 0xD800 <= code <= 0xDFFF:
            return "\\uFFFD"  # a lone surrogate cannot be written in UTF-8 at all
        return f"\\x{code:02X}" if code <= 0xFF else f"\\u{code:04X}"

    text = re.sub(r'[\\"]', escape, str(value))
    return '"' + _YAML_UNSAFE.sub(escape, text) + '"'


def _yaml_value(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_yaml_value(item) for item in value) + "]"
    if hasattr(value, "isoformat"):
        return yaml_string(value.isoformat())
    return yaml_string(value)


def _name(user):
    return user.get_full_name() or user.username


def metadata(postmortem):
    """The front matter's fields, in order. Uses prefetched authors and factors when there are some."""
    themes = []
    for factor in postmortem.factors.all():
        if factor.theme.name not in themes:
            themes.append(factor.theme.name)
    return {
        "title": postmortem.title,
        "kind": postmortem.kind,
        "team": postmortem.team.name,
        "severity": postmortem.severity,
        "status": postmortem.status,
        "started": postmortem.started_at,
        "detected": postmortem.detected_at,
        "resolved": postmortem.resolved_at,
        "published": postmortem.published_at,
        "authors": [_name(user) for user in postmortem.authors.all()],
        "themes": themes,
        "url": settings.SITE_URL + postmortem.get_absolute_url(),
    }


def front_matter(postmortem):
    """YAML front matter between `---` lines: one `key: value` line per field, every string quoted."""
    lines = [f"{key}: {_yaml_value(value)}" for key, value in metadata(postmortem).items()]
    return "---\n" + "\n".join(lines) + "\n---\n"


def markdown_document(postmortem):
    """The post-mortem as a Markdown file: front matter, then the body `export_org` writes."""
    return front_matter(postmortem) + "\n" + postmortem_markdown(postmortem)


def document_queryset(queryset):
    """`queryset` with everything a document reads fetched alongside (a fixed number of queries)."""
    return queryset.select_related("team").prefetch_related(
        "authors", "timeline_events",
        Prefetch("factors", queryset=ContributingFactor.objects.select_related("theme")),
        Prefetch("action_items", queryset=ActionItem.objects.select_related("owner")),
    )


# PDF -----------------------------------------------------------------------------------------

class PdfUnavailable(Exception):
    """WeasyPrint or the system libraries it needs (Pango) cannot be loaded on this server."""


def load_weasyprint():
    """The weasyprint module, imported on first use: a server without Pango still serves every page."""
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: cffi could not open libpango
        raise PdfUnavailable(f"{type(error).__name__}: {error}") from error
    return weasyprint


def static_base_url():
    """Where our static files live as the PDF's HTML refers to them: the site address + STATIC_URL."""
    return urljoin(settings.SITE_URL + "/", settings.STATIC_URL)


def _static_roots():
    roots = [settings.STATIC_ROOT] if settings.STATIC_ROOT else []
    for entry in settings.STATICFILES_DIRS:
        roots.append(entry[1] if isinstance(entry, (list, tuple)) else entry)
    roots += [Path(config.path) / "static" for config in apps.get_app_configs()]
    return [Path(root).resolve() for root in roots]


def static_file_for(url):
    """The file on disk behind `url` if it is one of our static files, else None.

    Only URLs under `static_base_url()` qualify; `..`, backslashes and anything that resolves
    (symlinks included) outside a static folder are refused. `file://`, `data:` and every other
    host or scheme are refused too: the PDF is made from our own files or not at all.
    """
    base = static_base_url()
    if not url.startswith(base):
        return None
    name = unquote(urlsplit(url[len(base):]).path)
    segments = name.split("/")
    if not name or "\\" in name or "\x00" in name or name.startswith("/") or any(s in ("", ".", "..") for s in segments):
        return None
    try:
        found = finders.find(name)  # the source files, as in development
    except SuspiciousFileOperation:
        return None
    candidates = [Path(found)] if found else []
    if settings.STATIC_ROOT:
        candidates.append(Path(settings.STATIC_ROOT) / name)  # collected (hashed) names in production
    roots = _static_roots()
    for candidate in candidates:
        path = candidate.resolve()
        if path.is_file() and any(path.is_relative_to(root) for root in roots):
            return path
    return None


def static_only_fetcher():
    """A WeasyPrint URL fetcher that reads our static files from disk and refuses every other URL."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            path = static_file_for(url)
            if path is None:
                # WeasyPrint logs this and carries on without the resource.
                raise ValueError(f"Debrief's PDFs load only Debrief's own static files, not {url[:200]!r}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})

    return StaticOnlyFetcher()


def print_html(postmortem):
    """The print page's HTML: the sections as sanitised HTML, the facts, timeline, factors and actions."""
    guides = guide_for(postmortem.kind)
    return render_to_string("postmortems/postmortem_print.html", {
        "postmortem": postmortem,
        "sections": [(guides[name], getattr(postmortem, name)) for name in PostMortem.SECTIONS],
        "metadata": metadata(postmortem),
        "generated_at": timezone.now(),
        "site_url": settings.SITE_URL,
    })


def pdf_bytes(postmortem):
    """The post-mortem as a PDF. Raises PdfUnavailable when WeasyPrint cannot be loaded."""
    weasyprint = load_weasyprint()
    html = weasyprint.HTML(string=print_html(postmortem), base_url=settings.SITE_URL + "/",
                           url_fetcher=static_only_fetcher())
    return html.write_pdf()


def pdf_filename(postmortem):
    return markdown_filename(postmortem).removesuffix(".md") + ".pdf"


# Zip of everything a person may read -----------------------------------------------------------

class _Chunks:
    """A write-only stream for zipfile that hands over what was written so far.

    It has `tell` but no `seek`, so zipfile writes each member's sizes after its data (a data
    descriptor) and never goes back: the archive can leave the server as it is made.
    """

    def __init__(self):
        self._parts = []
        self._position = 0

    def write(self, data):
        self._parts.append(bytes(data))
        self._position += len(data)
        return len(data)

    def tell(self):
        return self._position

    def flush(self):
        pass

    def take(self):
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def _table_cell(value):
    return " ".join(str(value).split()).replace("\\", "\\\\").replace("|", "\\|")


def index_markdown(rows):
    """index.md: one table row per file (id, title linked to its file, team, kind, severity, status, started)."""
    lines = [
        "# Post-mortems", "",
        f"Exported from Debrief ({settings.SITE_URL}) on {timezone.now():%Y-%m-%d %H:%M %Z}: "
        f"{len(rows)} post-mortem{'s' if len(rows) != 1 else ''}.", "",
        "| Id | Title | Team | Kind | Severity | Status | Started |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        title = _table_cell(row["title"]).replace("[", "\\[").replace("]", "\\]")
        lines.append(
            f"| {row['id']} | [{title}]({row['file']}) | {_table_cell(row['team'])} | {row['kind']} "
            f"| SEV{row['severity']} | {row['status']} | {row['started'] or '—'} |"
        )
    return "\n".join(lines) + "\n"


def zip_chunks(postmortems):
    """Yield a zip archive of `postmortems` (an iterable, read lazily) a post-mortem at a time.

    Each post-mortem becomes `postmortems/<id>-<slug>.md` (`markdown_document`); `index.md` lists
    them all. Only the index rows (a few short strings each) are kept until the end.
    """
    out = _Chunks()
    rows = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for postmortem in postmortems:
            filename = f"postmortems/{markdown_filename(postmortem)}"
            archive.writestr(filename, markdown_document(postmortem))
            rows.append({
                "id": postmortem.pk, "title": postmortem.title, "file": filename, "team": postmortem.team.name,
                "kind": postmortem.kind, "severity": postmortem.severity, "status": postmortem.status,
                "started": postmortem.started_at.date().isoformat() if postmortem.started_at else None,
            })
            yield out.take()
        archive.writestr("index.md", index_markdown(rows))
    yield out.take()


def visible_for_zip(user):
    """Every post-mortem this person may read, oldest first, read ZIP_BATCH at a time."""
    queryset = document_queryset(PostMortem.objects.visible_to(user)).order_by("pk")
    return queryset.iterator(chunk_size=ZIP_BATCH)
