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
