"""Documents (issue 13): Markdown with front matter, PDF through WeasyPrint, the zip of everything visible."""
import io
import sys
import threading
import zipfile
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pypdf
import pytest
import yaml
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from postmortems import documents
from tests import factories

HOSTILE_TITLE = (
    'Outage\n---\ntitle: injected\nkind: people\n"quoted" \\ back: # not a comment & *ref !tag |> % @ `'
    "\r\n- list\t{flow: [x]}\u2028\x85\x7f 🙂 ---"
)

# Who gets what for a Payments incident of each kind (see the org fixture in conftest.py).
VISIBLE = {
    "technical": {"author": True, "lead": True, "member": True, "viewer": False, "other_team": False, "outsider": False},
    "people": {"author": True, "lead": True, "member": False, "viewer": True, "other_team": False, "outsider": False},
}
ROLE_CASES = [(kind, role) for kind, roles in VISIBLE.items() for role in roles]


def _incident(org, kind, **fields):
    people = org.people
    postmortem = factories.make_postmortem(
        org.payments, kind=kind, authors=[people.author], viewers=[people.viewer] if kind == "people" else [],
        **fields,
    )
    factories.add_factor(postmortem, description="Pool sized for last year's load")
    factories.add_timeline_event(postmortem, "Alert fired")
    factories.add_action_item(postmortem, owner=people.member, title="Alert on pool saturation")
    return postmortem


def split_front_matter(text):
    """(front matter as parsed YAML, body): the front matter ends at the first line that is exactly `---`."""
    lines = text.split("\n")
    assert lines[0] == "---"
    end = lines.index("---", 1)
    return yaml.safe_load("\n".join(lines[1:end])), "\n".join(lines[end + 1:])


# Front matter ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    HOSTILE_TITLE, "", "null", "true", "123", "2026-11-30", "~", "- a", "? x", "'single'", '"', "\\", "a: b",
    "\x00\x01\x1b\x9f\ufffe\uffff", "\U0001f600 surrogate-free astral", "---", "...", "#",
])
def test_yaml_string_parses_back_to_exactly_the_value(value):
    assert yaml.safe_load(f"key: {documents.yaml_string(value)}") == {"key": value}


def test_yaml_string_keeps_any_value_on_one_line():
    assert "\n" not in documents.yaml_string(HOSTILE_TITLE)
    assert "\r" not in documents.yaml_string(HOSTILE_TITLE)
    assert "\u2028" not in documents.yaml_string(HOSTILE_TITLE)


def test_front_matter_holds_the_metadata(org):
    started = timezone.now().replace(microsecond=0) - timedelta(days=2)
    postmortem = _incident(org, "technical", status="published", severity=2, started_at=started,
                           detected_at=started + timedelta(minutes=5), resolved_at=started + timedelta(hours=1))
    meta, body = split_front_matter(documents.markdown_document(postmortem))

    assert meta == {
        "title": postmortem.title,
        "kind": "technical",
        "team": "Payments",
        "severity": 2,
        "status": "published",
        "started": started.isoformat(),
        "detected": (started + timedelta(minutes=5)).isoformat(),
        "resolved": (started + timedelta(hours=1)).isoformat(),
        "published": postmortem.published_at.isoformat(),
        "authors": ["Ada Okafor"],
        "themes": ["Capacity"],
        "url": f"{settings.SITE_URL}/postmortems/{postmortem.pk}/",
    }
    assert body.lstrip("\n").startswith(f"# {postmortem.title}\n")  # the export_org body follows


def test_hostile_title_author_and_theme_cannot_break_or_inject_front_matter(org):
    org.people.author.first_name = 'Ada", evil: "x\n---'
    org.people.author.save()
    postmortem = _incident(org, "people", title=HOSTILE_TITLE)
    postmortem.factors.all().delete()
    factories.add_factor(postmortem, theme=factories.make_theme(org.payments, "Runbook: drift # ---\n[x]"))

    meta, _ = split_front_matter(documents.markdown_document(postmortem))

    assert set(meta) == {"title", "kind", "team", "severity", "status", "started", "detected", "resolved",
                         "published", "authors", "themes", "url"}
    assert meta["title"] == HOSTILE_TITLE
    assert meta["kind"] == "people"
    assert meta["authors"] == ['Ada", evil: "x\n--- Okafor']
    assert meta["themes"] == ["Runbook: drift # ---\n[x]"]


# Markdown download ----------------------------------------------------------------------------

def test_markdown_download_is_an_attachment_with_front_matter(org, login):
    postmortem = _incident(org, "technical", title="Checkout timeouts")
    response = login(org.people.member).get(reverse("postmortems:export-markdown", args=[postmortem.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{postmortem.pk}-checkout-timeouts.md"'
    assert "no-store" in response["Cache-Control"]
    meta, body = split_front_matter(response.content.decode())
    assert meta["title"] == "Checkout timeouts"
    assert "## Action items" in body


@pytest.mark.parametrize("kind,role", ROLE_CASES)
def test_markdown_download_is_restricted_like_the_page(org, login, kind, role):
    postmortem = _incident(org, kind)
    client = login(getattr(org.people, role))
    expected = 200 if VISIBLE[kind][role] else 404

    assert client.get(reverse("postmortems:detail", args=[postmortem.pk])).status_code == expected
    assert client.get(reverse("postmortems:export-markdown", args=[postmortem.pk])).status_code == expected


def test_downloads_need_sign_in(org, client):
    postmortem = _incident(org, "technical", status="published")
    for url in [reverse("postmortems:export-markdown", args=[postmortem.pk]),
                reverse("postmortems:export-pdf", args=[postmortem.pk]), reverse("postmortems:export-zip")]:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


# PDF ------------------------------------------------------------------------------------------

def pdf_text(data):
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_pdf_is_a_pdf_with_the_title_and_the_rendered_sections(org, login):
    postmortem = _incident(org, "technical", title="Checkout timeouts in eu-west",
                           summary="The **pool** was *exhausted*.\n\n- first point\n- second point")
    response = login(org.people.member).get(reverse("postmortems:export-pdf", args=[postmortem.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{postmortem.pk}-checkout-timeouts-in-eu-west.pdf"'
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert "Checkout timeouts in eu-west" in text
    assert "The pool was exhausted." in text  # rendered Markdown, not its asterisks
    assert "Alert on pool saturation" in text
    assert pypdf.PdfReader(io.BytesIO(response.content)).metadata.title == "Checkout timeouts in eu-west"


def test_pdf_shows_hostile_html_as_sanitised(org):
    postmortem = _incident(org, "technical", title="<script>alert(1)</script> & co",
                           summary="<script>alert('x')</script><b onclick='x()'>bold</b>")
    text = pdf_text(documents.pdf_bytes(postmortem))

    assert "<script>alert(1)</script> & co" in text  # the title is text, escaped
    assert "alert('x')" not in text  # the script in the section was removed by the sanitiser
    assert "bold" in text


def test_pdf_uses_the_print_stylesheet_from_static_files(org, monkeypatch):
    served = []
    original = documents.static_file_for

    def spy(url):
        path = original(url)
        served.append((url, path))
        return path

    monkeypatch.setattr(documents, "static_file_for", spy)
    documents.pdf_bytes(_incident(org, "technical"))

    assert [(url, path.name) for url, path in served] == [(documents.static_base_url() + "css/print.css", "print.css")]


@pytest.mark.parametrize("kind,role", ROLE_CASES)
def test_pdf_download_is_restricted_like_the_page(org, login, kind, role):
    postmortem = _incident(org, kind)
    response = login(getattr(org.people, role)).get(reverse("postmortems:export-pdf", args=[postmortem.pk]))

    if VISIBLE[kind][role]:
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
    else:
        assert response.status_code == 404


def test_pdf_without_weasyprint_is_a_503_page_that_explains(org, login, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # `import weasyprint` now raises ImportError
    postmortem = _incident(org, "technical")
    response = login(org.people.member).get(reverse("postmortems:export-pdf", args=[postmortem.pk]))

    assert response.status_code == 503
    page = response.content.decode()
    assert "The PDF export is not available on this server" in page
    assert "Pango" in page
    assert reverse("postmortems:export-markdown", args=[postmortem.pk]) in page


def test_pdf_unavailable_still_hides_what_the_person_may_not_see(org, login, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    postmortem = _incident(org, "people")
    response = login(org.people.member).get(reverse("postmortems:export-pdf", args=[postmortem.pk]))
    assert response.status_code == 404


# The PDF fetches nothing over the network ------------------------------------------------------

@pytest.fixture
def recording_server():
    """A local HTTP server that records every request and answers with a tiny PNG or CSS."""
    hits = []
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
           b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND"
           b"\xaeB`\x82")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            body = png if self.path.endswith(".png") else b"body { color: red; }"
            self.send_response(200)
            self.send_header("Content-Type", "image/png" if self.path.endswith(".png") else "text/css")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def _hostile_html(base):
    return (
        f'<html><head><link rel="stylesheet" href="{base}/linked.css">'
        f'<style>@import url("{base}/imported.css"); body {{ background: url("{base}/background.png"); }}'
        f'@font-face {{ font-family: x; src: url("{base}/font.ttf"); }}</style></head>'
        f'<body><img src="{base}/image.png"><img src="file:///etc/passwd"><img src="//127.0.0.1/x.png">'
        f'<a rel="attachment" href="{base}/attachment.png">a</a><p style="font-family: x">Text</p></body></html>'
    )


def test_the_recording_server_is_hit_by_weasyprints_default_fetcher(recording_server):
    base, hits = recording_server
    weasyprint = documents.load_weasyprint()
    weasyprint.HTML(string=f'<img src="{base}/control.png">').write_pdf()
    assert hits == ["/control.png"]  # the control: a fetcher that may go out does reach the server


def test_pdf_fetcher_refuses_every_url_outside_our_static_files(recording_server):
    base, hits = recording_server
    weasyprint = documents.load_weasyprint()
    html = weasyprint.HTML(string=_hostile_html(base), base_url=settings.SITE_URL + "/",
                           url_fetcher=documents.static_only_fetcher())

    assert html.write_pdf().startswith(b"%PDF")
    assert hits == []


def test_hostile_images_in_a_postmortem_are_never_fetched(org, login, recording_server):
    base, hits = recording_server
    postmortem = _incident(
        org, "technical",
        summary=f"![x]({base}/markdown.png)\n\n<img src=\"{base}/raw.png\">\n\n![y](//{base[7:]}/relative.png)",
        impact=f'<link rel="stylesheet" href="{base}/injected.css"><style>@import "{base}/style.css";</style>',
    )
    response = login(org.people.member).get(reverse("postmortems:export-pdf", args=[postmortem.pk]))

    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert hits == []


def test_static_file_for_serves_only_files_inside_the_static_folders(tmp_path):
    base = documents.static_base_url()
    print_css = documents.static_file_for(base + "css/print.css")
    assert print_css is not None and print_css.name == "print.css"
    assert documents.static_file_for(base + "css/print.css?v=1#x") == print_css
    assert documents.static_file_for(base + "vendor/bootstrap/css/bootstrap.min.css") is not None

    refused = [
        "http://127.0.0.1:9/static/css/print.css",  # another host (here: another port)
        base.replace("http://", "https://") + "css/print.css" if base.startswith("http://") else "http://x/",
        base + "../config/settings.py",
        base + "css/../../config/settings.py",
        base + "%2e%2e/config/settings.py",
        base + "css/%2e%2e/%2e%2e/manage.py",
        base + "..%5cconfig%5csettings.py",
        base + "/etc/passwd",
        base + "css/",
        base + "css/does-not-exist.css",
        base,
        "file:///etc/passwd",
        "file://" + str(Path(settings.BASE_DIR) / "static" / "css" / "print.css"),
        "data:text/css,body{}",
        "ftp://127.0.0.1/x",
        "",
    ]
    for url in refused:
        assert documents.static_file_for(url) is None, url


def test_static_file_for_refuses_a_symlink_out_of_the_static_folder(settings, tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    (static / "leak.css").symlink_to(tmp_path / "secret.txt")
    (static / "fine.css").write_text("body {}")
    settings.STATICFILES_DIRS = [static]

    assert documents.static_file_for(documents.static_base_url() + "fine.css") == (static / "fine.css").resolve()
    assert documents.static_file_for(documents.static_base_url() + "leak.css") is None


# Zip of everything visible ---------------------------------------------------------------------

def _zip(response):
    assert response.status_code == 200
    assert response.streaming
    data = b"".join(response.streaming_content)
    return zipfile.ZipFile(io.BytesIO(data))


def test_zip_holds_only_what_the_person_may_see(org, login):
    shared = factories.make_postmortem(org.search, status="published", title="Search outage")
    payments_draft = factories.make_postmortem(org.payments, title="Payments draft")
    restricted = factories.make_postmortem(org.payments, kind="people", authors=[org.people.author],
                                           title="Handover under pressure")

    names = {
        role: sorted(_zip(login(getattr(org.people, role)).get(reverse("postmortems:export-zip"))).namelist())
        for role in ["member", "lead", "outsider"]
    }

    def file(postmortem):
        return "postmortems/" + documents.markdown_filename(postmortem)

    assert names["member"] == sorted(["index.md", file(shared), file(payments_draft)])
    assert names["lead"] == sorted(["index.md", file(shared), file(payments_draft), file(restricted)])
    assert names["outsider"] == sorted(["index.md", file(shared)])


def test_zip_index_and_files_never_mention_a_restricted_incident(org, login):
    factories.make_postmortem(org.payments, kind="people", authors=[org.people.author],
                              title="Handover under pressure", summary="Secret words")
    factories.make_postmortem(org.payments, title="Payments draft")
    archive = _zip(login(org.people.member).get(reverse("postmortems:export-zip")))

    everything = "".join(archive.read(name).decode() for name in archive.namelist())
    assert "Handover under pressure" not in everything
    assert "Secret words" not in everything
    assert "Payments draft" in archive.read("index.md").decode()


def test_zip_files_are_the_markdown_documents_and_the_index_links_them(org, login):
    postmortem = _incident(org, "technical", title="Pipes | and [brackets]\nnewline")
    archive = _zip(login(org.people.member).get(reverse("postmortems:export-zip")))
    filename = "postmortems/" + documents.markdown_filename(postmortem)

    assert archive.testzip() is None
    document = archive.read(filename).decode()
    assert document == documents.markdown_document(postmortem)
    assert split_front_matter(document)[0]["title"] == "Pipes | and [brackets]\nnewline"
    index = archive.read("index.md").decode()
    row = next(line for line in index.splitlines() if line.startswith(f"| {postmortem.pk} |"))
    assert f"[Pipes \\| and \\[brackets\\] newline]({filename})" in row
    assert row.count(" | ") == 6  # seven cells: the title's pipe is escaped


def test_empty_zip_has_just_the_index(org, login):
    archive = _zip(login(org.people.outsider).get(reverse("postmortems:export-zip")))
    assert archive.namelist() == ["index.md"]
    assert "0 post-mortems" in archive.read("index.md").decode()


def test_zip_reads_post_mortems_in_batches_with_a_fixed_number_of_queries(org, login, monkeypatch,
                                                                          django_assert_max_num_queries):
    monkeypatch.setattr(documents, "ZIP_BATCH", 10)
    for n in range(25):
        postmortem = factories.make_postmortem(org.payments, title=f"Incident number {n}", authors=[org.people.author])
        factories.add_factor(postmortem)
        factories.add_action_item(postmortem, owner=org.people.member)
    client = login(org.people.member)

    # Per batch of 10: the rows (one server-side cursor), then authors, timeline, factors and action
    # items: 1 + 3 × 4. Plus the session and its update, the person, two-factor devices, the policy,
    # their time zone and teams: never one query per post-mortem.
    with django_assert_max_num_queries(24):
        archive = _zip(client.get(reverse("postmortems:export-zip")))
    assert len(archive.namelist()) == 26


def test_zip_streams_one_chunk_per_post_mortem(org):
    for n in range(3):
        factories.make_postmortem(org.payments, title=f"Incident {n}")
    chunks = documents.zip_chunks(documents.visible_for_zip(org.people.member))
    first = next(chunks)
    assert first.startswith(b"PK\x03\x04")  # the first file leaves before the others are read
    rest = list(chunks)
    assert len(rest) == 3  # two more files, then the index and the central directory


# Buttons ------------------------------------------------------------------------------------

def test_postmortem_page_offers_markdown_and_pdf(org, login):
    postmortem = _incident(org, "technical")
    page = login(org.people.member).get(reverse("postmortems:detail", args=[postmortem.pk])).content.decode()
    assert reverse("postmortems:export-markdown", args=[postmortem.pk]) in page
    assert reverse("postmortems:export-pdf", args=[postmortem.pk]) in page


def test_list_page_offers_the_zip(org, login):
    page = login(org.people.member).get(reverse("postmortems:list")).content.decode()
    assert reverse("postmortems:export-zip") in page
    assert "Download all (zip)" in page



def test_static_file_for_reads_collected_hashed_names_from_static_root(settings, tmp_path):
    collected = tmp_path / "staticfiles"
    (collected / "css").mkdir(parents=True)
    (collected / "css" / "print.0123abcd.css").write_text("body {}")
    settings.STATIC_ROOT = collected

    found = documents.static_file_for(documents.static_base_url() + "css/print.0123abcd.css")
    assert found == (collected / "css" / "print.0123abcd.css").resolve()
    assert documents.static_file_for(documents.static_base_url() + "css/print.css").parent.parent.name == "static"
