"""The wording check in the editor: the live endpoint htmx calls, and the findings the first render shows."""
import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from postmortems.blame import analyze
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

COUNTERFACTUAL = "Sam should have rolled back sooner."
LOADED = "It was a careless change to the load balancer."
SYSTEMIC = "The deploy job failed to start."
CLEAN = "The replica lag rose to nine minutes before the alarm fired."


def url(name, *args):
    return reverse(f"postmortems:{name}", args=args)


def html(response):
    return response.content.decode()


def check(client, section, text):
    return client.post(url("blame-check"), {"section": section, section: text})


class Findings(HTMLParser):
    """The marks and tooltips of a findings fragment, plus the visible mirror text.

    marks: [(attrs, text)]; tips: {id: text}; mirror: the text outside the tooltips,
    which is what the author typed with marks around the findings.
    """

    def __init__(self, fragment, within=None):
        super().__init__(convert_charrefs=True)
        self.within = within
        self.inside = within is None
        self.depth = 0
        self.marks, self.tips, self.count_texts = [], {}, []
        self.mirror = ""
        self._mark = self._tip = self._count = None
        self._tip_depth = 0
        self._mirror_depth = 0
        self.feed(fragment)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.within and attrs.get("id") == self.within:
            self.inside, self.depth = True, 0
        if not self.inside:
            return
        if tag == "div":
            self.depth += 1
        classes = (attrs.get("class") or "").split()
        if tag == "mark":
            self._mark = [attrs, ""]
        if "blame-tip" in classes:
            self._tip = [attrs["id"], ""]
            self._tip_depth = 0
        if self._tip is not None and tag == "span":
            self._tip_depth += 1
        if "blame-count" in classes:
            self._count = ""
        if "blame-mirror" in classes:
            self._mirror_depth = self.depth

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "mark" and self._mark:
            self.marks.append(tuple(self._mark))
            self._mark = None
        if tag == "span" and self._tip is not None:
            self._tip_depth -= 1
            if self._tip_depth == 0:
                self.tips[self._tip[0]] = " ".join(self._tip[1].split())
                self._tip = None
        if tag == "p" and self._count is not None:
            self.count_texts.append(" ".join(self._count.split()))
            self._count = None
        if tag == "div":
            if self._mirror_depth and self.depth == self._mirror_depth:
                self._mirror_depth = 0
            self.depth -= 1
            if self.within and self.depth == 0:
                self.inside = False

    def handle_data(self, data):
        if not self.inside:
            return
        if self._mark is not None:
            self._mark[1] += data
        if self._tip is not None:
            self._tip[1] += data
        elif self._mirror_depth:
            self.mirror += data
        if self._count is not None:
            self._count += data

    def tip_for(self, mark_attrs):
        return self.tips[mark_attrs["aria-describedby"]]


@pytest.fixture
def author(org, login):
    return login(org.people.author)


# The live check endpoint --------------------------------------------------------------------

def test_live_check_marks_the_blaming_words_with_their_category(author):
    response = check(author, "summary", COUNTERFACTUAL)
    assert response.status_code == 200
    marks = Findings(html(response)).marks
    assert [(attrs["data-category"], text) for attrs, text in marks] == [("counterfactual", "should have rolled")]


def test_live_check_tooltip_gives_the_category_explanation_and_suggestion(author):
    [finding] = analyze(COUNTERFACTUAL)
    assert finding.suggestion, "the example must be one the detector offers a rewrite for"
    found = Findings(html(check(author, "summary", COUNTERFACTUAL)))
    [(attrs, _)] = found.marks
    tip = found.tip_for(attrs)
    assert tip.startswith("Counterfactual:")
    assert " ".join(finding.message.split()) in tip
    assert f"Try: {' '.join(finding.suggestion.split())}" in tip


def test_live_check_mark_is_keyboard_focusable_and_described_by_its_tip(author):
    found = Findings(html(check(author, "impact", LOADED)))
    [(attrs, _)] = found.marks
    assert attrs["tabindex"] == "0"
    assert attrs["aria-describedby"] in found.tips


def test_live_check_mirror_keeps_the_whole_text_around_the_marks(author):
    text = f"{CLEAN}\n{COUNTERFACTUAL}"
    found = Findings(html(check(author, "timeline_narrative", text)))
    assert found.mirror == text


def test_live_check_counts_the_findings_of_the_section(author):
    found = Findings(html(check(author, "lessons", f"{COUNTERFACTUAL} {LOADED}")))
    assert [attrs["data-category"] for attrs, _ in found.marks] == ["counterfactual", "loaded_judgement"]
    assert found.count_texts[0].startswith("⚠ 2 possible blame findings")


def test_live_check_tips_of_two_findings_have_distinct_ids(author):
    found = Findings(html(check(author, "lessons", f"{COUNTERFACTUAL} {LOADED}")))
    ids = [attrs["aria-describedby"] for attrs, _ in found.marks]
    assert len(set(ids)) == 2 and set(ids) == set(found.tips)


def test_live_check_works_for_the_title(author):
    found = Findings(html(check(author, "title", "Careless rollout of the edge config")))
    assert [attrs["data-category"] for attrs, _ in found.marks] == ["loaded_judgement"]


@pytest.mark.parametrize("text", [CLEAN, SYSTEMIC, ""])
def test_live_check_without_findings_returns_no_marks(author, text):
    response = check(author, "summary", text)
    assert response.status_code == 200
    assert "<mark" not in html(response)
    assert "blame finding" not in html(response)


@pytest.mark.parametrize("section", ["password", "version", "team", "ack-123", ""])
def test_live_check_refuses_an_unknown_section(author, section):
    response = author.post(url("blame-check"), {"section": section, "summary": COUNTERFACTUAL})
    assert response.status_code == 400


def test_live_check_refuses_a_request_without_a_section(author):
    assert author.post(url("blame-check"), {"summary": COUNTERFACTUAL}).status_code == 400


def test_live_check_only_reads_the_named_sections_field(author):
    response = author.post(url("blame-check"), {"section": "impact", "impact": CLEAN, "summary": COUNTERFACTUAL})
    assert "<mark" not in html(response)


def test_live_check_requires_login(db):
    response = Client().post(url("blame-check"), {"section": "summary", "summary": COUNTERFACTUAL})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_live_check_refuses_get(author):
    response = author.get(url("blame-check"), {"section": "summary", "summary": COUNTERFACTUAL})
    assert response.status_code == 405


def test_live_check_escapes_script_tags_and_event_handlers_in_the_text(author):
    text = (f"<script>alert('owned')</script> <img src=x onerror=alert(1)> {COUNTERFACTUAL} "
            f"<b onmouseover=\"alert(2)\">bold</b>")
    response = check(author, "summary", text)
    page = html(response)
    assert Findings(page).marks, "the hostile text must still reach the rendered mirror"
    assert "<script" not in page
    assert "<img" not in page
    assert "<b " not in page
    assert "&lt;script&gt;alert(&#x27;owned&#x27;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_live_check_mirror_shows_hostile_text_as_typed(author):
    text = f"<script>alert('owned')</script> {COUNTERFACTUAL}"
    assert Findings(html(check(author, "summary", text))).mirror == text


def test_live_check_escapes_markup_inside_a_flagged_sentence(author):
    text = "Obviously <em onclick=alert(3)>the cache key</em> was wrong."
    found = Findings(html(check(author, "summary", text)))
    assert found.marks and found.mirror == text
    assert "<em" not in html(check(author, "summary", text))


def test_editor_fields_ask_for_a_live_check_of_their_own_section(org, author):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author])
    page = html(author.get(url("edit", postmortem.pk)))
    textarea = re.search(r'<textarea[^>]*name="lessons"[^>]*>', page).group(0)
    assert f'hx-post="{url("blame-check")}"' in textarea
    assert 'hx-target="#blame-lessons"' in textarea
    assert 'hx-params="lessons,section,postmortem"' in textarea
    assert "&quot;section&quot;: &quot;lessons&quot;" in textarea
    assert 'id="blame-lessons"' in page


# The editor's first render (works without JavaScript) ----------------------------------------

def test_editor_shows_findings_under_the_section_that_has_them(org, author):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author], summary=COUNTERFACTUAL)
    page = html(author.get(url("edit", postmortem.pk)))
    summary = Findings(page, within="blame-summary")
    assert [(attrs["data-category"], text) for attrs, text in summary.marks] == [("counterfactual", "should have rolled")]
    assert summary.tip_for(summary.marks[0][0]).startswith("Counterfactual:")


def test_editor_shows_no_findings_under_sections_without_them(org, author):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author], summary=COUNTERFACTUAL,
                                           impact=CLEAN, lessons=SYSTEMIC)
    page = html(author.get(url("edit", postmortem.pk)))
    for section in ["title", "impact", "lessons", "went_well"]:
        assert Findings(page, within=f"blame-{section}").marks == [], section


def test_editor_shows_a_count_per_section(org, author):
    postmortem = factories.make_postmortem(
        org.payments, authors=[org.people.author], summary=COUNTERFACTUAL,
        contributing_factors=f"{LOADED}\n\n{COUNTERFACTUAL}",
    )
    page = html(author.get(url("edit", postmortem.pk)))
    assert Findings(page, within="blame-summary").count_texts[0].startswith("⚠ 1 possible blame finding ")
    assert Findings(page, within="blame-contributing_factors").count_texts[0].startswith(
        "⚠ 2 possible blame findings")
    assert Findings(page, within="blame-impact").count_texts == []


def test_editor_shows_findings_in_the_title(org, author):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author],
                                           title="Careless rollout of the edge config")
    page = html(author.get(url("edit", postmortem.pk)))
    assert [attrs["data-category"] for attrs, _ in Findings(page, within="blame-title").marks] == ["loaded_judgement"]


def test_editor_escapes_hostile_saved_text_in_its_findings(org, author):
    postmortem = factories.make_postmortem(
        org.payments, authors=[org.people.author], summary=f"<script>alert(1)</script> {COUNTERFACTUAL}",
    )
    page = html(author.get(url("edit", postmortem.pk)))
    assert "<script>alert(1)" not in page
    assert Findings(page, within="blame-summary").mirror == f"<script>alert(1)</script> {COUNTERFACTUAL}"


def test_editor_shows_findings_of_the_typed_text_when_a_save_is_refused(org, author):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author])
    response, _ = factories.submit_editor(
        author, url("edit", postmortem.pk), impact=LOADED,
        started_at="2024-05-01T09:00", detected_at="2024-05-01T08:00",
    )
    assert response.status_code == 200
    marks = Findings(html(response), within="blame-impact").marks
    assert [attrs["data-category"] for attrs, _ in marks] == ["loaded_judgement"]
