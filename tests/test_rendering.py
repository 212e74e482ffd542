"""Markdown is rendered to HTML that keeps formatting and drops anything that could run code."""
import re

import pytest
from django.urls import reverse

from postmortems.rendering import render_markdown
from tests import factories

pytestmark = pytest.mark.usefixtures("fast_passwords")


# Dangerous input is removed ------------------------------------------------------

def test_script_tags_and_their_content_are_removed():
    html = render_markdown("Before <script>alert('x')</script> after")
    assert "<script" not in html
    assert "alert" not in html
    assert "Before" in html and "after" in html


@pytest.mark.parametrize("href", [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;&#x61;vascript:alert(1)",
    "jav&#x09;ascript:alert(1)",
    "vbscript:msgbox(1)",
])
def test_script_urls_are_dropped_from_markdown_links(href):
    html = render_markdown(f"[click me]({href})")
    assert "click me" in html
    assert "href" not in html
    assert "script:" not in html.lower()


@pytest.mark.parametrize("href", ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "&#106;avascript:alert(1)"])
def test_script_urls_are_dropped_from_raw_html_links(href):
    html = render_markdown(f'<a href="{href}">click me</a>')
    assert "click me" in html
    assert "href" not in html


@pytest.mark.parametrize("text", [
    '<img src="x.png" onerror="alert(1)">',
    '<p onclick="alert(1)">text</p>',
    "<div onmouseover=alert(1)>text</div>",
    '<a href="https://example.com" onfocus="alert(1)">link</a>',
    "<svg onload=alert(1)>",
])
def test_event_handler_attributes_are_removed(text):
    html = render_markdown(text)
    assert not re.search(r"\bon\w+\s*=", html, re.IGNORECASE)
    assert "alert" not in html


def test_data_urls_are_dropped_from_images():
    html = render_markdown("![diagram](data:image/png;base64,iVBORw0KGgo=)")
    assert "data:" not in html
    assert 'alt="diagram"' in html


def test_data_urls_are_dropped_from_links():
    html = render_markdown('<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">open</a>')
    assert "data:" not in html
    assert "href" not in html


def test_iframes_are_removed():
    html = render_markdown('<iframe src="https://evil.example/"></iframe>\n\nAfter the frame')
    assert "iframe" not in html
    assert "evil.example" not in html
    assert "After the frame" in html


def test_style_blocks_and_their_content_are_removed():
    html = render_markdown("<style>body { display: none }</style>\n\nVisible text")
    assert "<style" not in html
    assert "display" not in html
    assert "Visible text" in html


def test_style_attributes_are_removed():
    html = render_markdown('<p style="position:fixed;top:0">overlay</p>')
    assert "style" not in html
    assert "overlay" in html


@pytest.mark.parametrize("text", ["<form action='/x'><input name=a></form>", "<object data='x.swf'></object>",
                                  "<embed src='x.swf'>"])
def test_form_and_plugin_elements_are_removed(text):
    html = render_markdown(text)
    assert not re.search(r"<(form|input|object|embed)\b", html)


# Formatting is kept --------------------------------------------------------------

def test_tables_are_kept():
    html = render_markdown("| Service | Errors |\n|---|---:|\n| checkout | 12000 |")
    assert "<table>" in html
    assert "<th>Service</th>" in html
    assert "<td>checkout</td>" in html


def test_fenced_code_blocks_are_kept_with_their_language():
    html = render_markdown("```python\npool_size = 20\n```")
    assert '<pre><code class="language-python">pool_size = 20' in html


def test_inline_code_is_kept_and_escaped():
    html = render_markdown("Set `max_conn < 50` first")
    assert "<code>max_conn &lt; 50</code>" in html


def test_bulleted_and_numbered_lists_are_kept():
    html = render_markdown("- one\n- two\n\n1. first\n2. second")
    assert "<ul>\n<li>one</li>" in html
    assert "<ol>\n<li>first</li>" in html


def test_emphasis_and_strong_are_kept():
    html = render_markdown("*careful* and **important**")
    assert "<em>careful</em>" in html
    assert "<strong>important</strong>" in html


def test_https_links_are_kept_and_made_safe_to_open():
    html = render_markdown("[the dashboard](https://grafana.example.com/d/abc)")
    assert 'href="https://grafana.example.com/d/abc"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_relative_links_are_kept():
    assert 'href="/postmortems/3/"' in render_markdown("[earlier incident](/postmortems/3/)")


def test_empty_text_renders_nothing():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""


# Through the detail page ---------------------------------------------------------

HOSTILE = '<script>alert("pwned")</script><img src=x onerror=alert(2)>'


@pytest.fixture
def hostile_detail(org, login):
    """The detail page of a post-mortem with hostile text in every place a writer can type."""
    def render(**fields):
        postmortem = factories.make_postmortem(org.payments, authors=[org.people.author], **fields)
        return postmortem, login(org.people.author).get(reverse("postmortems:detail", args=[postmortem.pk]))
    return render


def assert_nothing_runs(html):
    """No hostile element or attribute survives as markup (escaped text is fine)."""
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", html, re.IGNORECASE)


@pytest.mark.django_db
def test_hostile_title_is_escaped_on_the_detail_page(hostile_detail):
    _, response = hostile_detail(title=HOSTILE)
    html = response.content.decode()
    assert response.status_code == 200
    assert_nothing_runs(html)
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in html


@pytest.mark.django_db
@pytest.mark.parametrize("section", ["summary", "impact", "timeline_narrative", "contributing_factors",
                                     "went_well", "got_lucky", "lessons"])
def test_hostile_section_text_is_sanitised_on_the_detail_page(hostile_detail, section):
    _, response = hostile_detail(**{section: f"Kept words\n\n{HOSTILE}\n\n[x](javascript:alert(3))"})
    html = response.content.decode()
    assert_nothing_runs(html)
    assert "javascript:" not in html
    assert "Kept words" in html


@pytest.mark.django_db
def test_hostile_timeline_description_is_escaped_on_the_detail_page(org, login):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author])
    factories.add_timeline_event(postmortem, description=HOSTILE)
    html = login(org.people.author).get(postmortem.get_absolute_url()).content.decode()
    assert_nothing_runs(html)
    assert "&lt;img src=x onerror=alert(2)&gt;" in html


@pytest.mark.django_db
def test_hostile_factor_description_is_escaped_on_the_detail_page(org, login):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author])
    factories.add_factor(postmortem, description=HOSTILE)
    html = login(org.people.author).get(postmortem.get_absolute_url()).content.decode()
    assert_nothing_runs(html)
    assert "&lt;script&gt;" in html


@pytest.mark.django_db
def test_hostile_action_item_title_and_description_are_made_safe_on_the_detail_page(org, login):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author])
    factories.add_action_item(postmortem, title=HOSTILE, description=f"Done when\n\n{HOSTILE}")
    html = login(org.people.author).get(postmortem.get_absolute_url()).content.decode()
    assert_nothing_runs(html)
    assert "&lt;script&gt;alert(&quot;pwned&quot;)" in html
    assert "Done when" in html


@pytest.mark.django_db
def test_hostile_title_is_escaped_on_the_list_page(org, login):
    factories.make_postmortem(org.payments, title=HOSTILE)
    html = login(org.people.author).get(reverse("postmortems:list")).content.decode()
    assert_nothing_runs(html)
    assert "&lt;script&gt;" in html


@pytest.mark.django_db
def test_hostile_text_is_made_safe_on_the_revision_page(org, login):
    postmortem = factories.make_postmortem(org.payments, title=HOSTILE, summary=HOSTILE)
    factories.add_timeline_event(postmortem, description=HOSTILE)
    html = login(org.people.author).get(reverse("postmortems:revision", args=[postmortem.pk, 1])).content.decode()
    assert_nothing_runs(html)


# Only local images, only language classes, no links to other sites by `//` -------------

@pytest.mark.parametrize("src", ["https://tracker.example/pixel.png", "http://tracker.example/p.png",
                                 "//tracker.example/p.png", "/\\tracker.example/p.png", " //tracker.example/p.png"])
def test_remote_images_lose_their_source_and_keep_their_alt_text(src):
    html = render_markdown(f'![status page]({src}) and <img src="{src}" alt="raw">')
    assert "tracker.example" not in html
    assert 'alt="status page"' in html and 'alt="raw"' in html


@pytest.mark.parametrize("src", ["/media/diagram.png", "diagram.png", "../img/a.png", "?x=1"])
def test_relative_images_are_kept(src):
    assert f'src="{src}"' in render_markdown(f"![diagram]({src})")


@pytest.mark.parametrize("href", ["//evil.example/login", "/\\evil.example/login", " //evil.example",
                                  "/&#9;/evil.example"])
def test_scheme_relative_links_are_dropped(href):
    html = render_markdown(f'[sign in]({href}) <a href="{href}">raw</a>')
    assert "evil.example" not in html
    assert "sign in" in html and "raw" in html


@pytest.mark.parametrize("classes", ["position-fixed top-0 start-0 w-100 h-100 bg-white", "language-python x",
                                     "language-", "language-py\"onmouseover=x"])
def test_code_classes_other_than_one_language_are_dropped(classes):
    html = render_markdown(f'<code class="{classes}">Sign in again</code>')
    assert not re.search(r"<code[^>]*class", html)
    assert "Sign in again" in html


def test_a_language_class_with_dashes_is_kept():
    assert '<code class="language-objective-c">' in render_markdown("```objective-c\nx\n```")


# Pathological text renders, as typed, without taking quadratic time -----------------------
# Timings are in benchmarks, not here; these only show each shape finishes and keeps its text.

def test_twenty_thousand_nested_brackets_render_as_text():
    html = render_markdown("[" * 20_000 + "deep" + "]" * 20_000)
    assert "deep" in html
    assert html.count("[") == 20_000 and html.count("]") == 20_000


@pytest.mark.parametrize("text", ["(" * 20_000 + "x" + ")" * 20_000, "[" * 20_000, "![" * 10_000,
                                  "[a](" * 10_000, "[^" * 10_000])
def test_unclosed_and_nested_links_render_as_text(text):
    html = render_markdown(text)
    assert html.startswith("<p>") and len(html) >= len(text)


@pytest.mark.parametrize("text", ["- " * 5_000 + "x", "1. " * 5_000 + "x", "> " * 5_000 + "x",
                                  "".join("\t" * depth + "- x\n" for depth in range(400))])
def test_deeply_nested_lists_and_quotes_do_not_crash(text):
    assert "x" in render_markdown(text)


def test_nesting_people_write_still_renders():
    html = render_markdown("[![build](/badge.png)](https://ci.example/b/1) [see [1]](/x)\n\n"
                           "- a\n    - b\n        - c\n\n> > quoted twice")
    assert '<a href="https://ci.example/b/1"' in html and '<img alt="build" src="/badge.png">' in html
    assert '<a href="/x" rel="noopener noreferrer nofollow">see [1]</a>' in html
    assert html.count("<ul>") == 3 and html.count("<blockquote>") == 2


def test_brackets_made_inert_show_as_typed_in_code():
    nested = "[" * 40 + "(" * 40 + "x" + ")" * 40 + "]" * 40
    assert f"<code>{nested}</code>" in render_markdown(f"`{nested}`")


def test_thousands_of_unfinished_tags_render_as_text():
    html = render_markdown("<a " * 20_000)
    assert html.count("&lt;a") == 20_000


def test_a_comparison_in_code_keeps_its_angle_bracket():
    assert "<code>if a&lt;b:\n</code>" in render_markdown("```\nif a<b:\n```\n\n" + "x<y " * 50)


def test_tags_and_comments_people_write_still_work():
    html = render_markdown("<b>bold</b>\n\n<!-- hidden <i>note</i> -->\n\nshown")
    assert "<b>bold</b>" in html and "hidden" not in html and "shown" in html


def test_text_beyond_the_longest_rendered_is_cut_with_a_note():
    html = render_markdown("word " * 30_000)
    assert html.count("word") == 20_000
    assert "Shortened here: 50,000 more characters are not shown." in html
