"""Searching the list page: full-text search on PostgreSQL, the plain fallback, permissions, hostile input."""
import pytest
from django.contrib.postgres.search import SearchQuery
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from postmortems import search
from postmortems.models import PostMortem
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

needs_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search is PostgreSQL's")
PEOPLE_TITLE = "Escalation lost between support and engineering"


def url(name, *args):
    return reverse(f"postmortems:{name}", args=args)


def listed(response):
    return [postmortem.title for postmortem in response.context["page"].object_list]


def find(client, q):
    response = client.get(url("list"), {"q": q})
    assert response.status_code == 200
    return response


def indexed(postmortem, word):
    """Whether the stored vector of this post-mortem matches the word."""
    return PostMortem.objects.filter(pk=postmortem.pk, search_vector=SearchQuery(word, config=search.CONFIG)).exists()


# Full-text search (PostgreSQL) -------------------------------------------------------------------

@needs_postgres
def test_title_match_ranks_above_a_match_only_in_a_section(org, login):
    # The section-only match is newer, so only the rank can put the title match first.
    factories.make_postmortem(org.payments, title="Checkout timeouts", summary="Payments were slow.")
    factories.make_postmortem(org.payments, title="Deploy stalled", summary="Nothing to do with it.",
                              lessons="The replica saw timeouts too.")
    assert listed(find(login(org.people.member), "timeouts")) == ["Checkout timeouts", "Deploy stalled"]


@needs_postgres
def test_last_word_matches_as_a_prefix_while_typing(org, login):
    factories.make_postmortem(org.payments, title="Database pool exhausted", summary="Every connection was taken.")
    factories.make_postmortem(org.payments, title="Unrelated", summary="Disk filled up.")
    client = login(org.people.member)
    assert listed(find(client, "conn")) == ["Database pool exhausted"]
    assert listed(find(client, "pool conn")) == ["Database pool exhausted"]


@needs_postgres
def test_websearch_syntax_excludes_and_quotes(org, login):
    factories.make_postmortem(org.payments, title="Cache stampede", summary="The cache expired at once.")
    factories.make_postmortem(org.payments, title="Cache warm-up slow", summary="Disk was cold.")
    client = login(org.people.member)
    assert listed(find(client, "cache -stampede")) == ["Cache warm-up slow"]
    assert listed(find(client, '"expired at once"')) == ["Cache stampede"]


@needs_postgres
def test_action_item_titles_are_found(org, login):
    postmortem = factories.make_postmortem(org.payments, title="Checkout timeouts")
    factories.add_action_item(postmortem, title="Add a circuit breaker to the ledger client")
    assert listed(find(login(org.people.member), "breaker")) == ["Checkout timeouts"]


@needs_postgres
def test_snippet_highlights_the_match_and_escapes_the_rest(org, login):
    factories.make_postmortem(org.payments, title="Form injection",
                              summary='The <script>alert("x")</script> payload reached 1 < 2 & 3 > 2.')
    response = find(login(org.people.member), "payload")
    snippet = response.context["page"].object_list[0].snippet
    assert "<mark>payload</mark>" in snippet
    assert "1 &lt; 2 &amp; 3 &gt; 2" in snippet
    assert "<script" not in snippet
    assert "<script>alert" not in response.content.decode()


@needs_postgres
def test_editor_save_updates_the_vector(org, login):
    postmortem = factories.make_postmortem(org.payments, title="Checkout timeouts", authors=[org.people.author])
    assert not indexed(postmortem, "kafka")
    response, _ = factories.submit_editor(login(org.people.author), url("edit", postmortem.pk),
                                          lessons="Kafka lag hid the backlog.")
    assert response.status_code == 302
    assert indexed(postmortem, "kafka")


@needs_postgres
def test_changing_an_action_item_in_the_editor_updates_the_vector(org, login):
    postmortem = factories.make_postmortem(org.payments, title="Checkout timeouts", authors=[org.people.author])
    item = factories.add_action_item(postmortem, title="Alert on pool saturation")
    assert indexed(postmortem, "saturation")
    client = login(org.people.author)
    data = factories.open_editor(client, url("edit", postmortem.pk))
    data[f"{factories.row_prefix(data, 'actions', item.pk)}-title"] = "Shard the ledger table"
    data["action"] = "save"
    assert client.post(url("edit", postmortem.pk), data).status_code == 302
    assert indexed(postmortem, "ledger")
    assert not indexed(postmortem, "saturation")


@needs_postgres
def test_rebuild_search_index_fills_missing_vectors(org):
    postmortem = factories.make_postmortem(org.payments, title="Checkout timeouts")
    PostMortem.objects.update(search_vector=None)
    call_command("rebuild_search_index", stdout=open("/dev/null", "w"))
    assert indexed(postmortem, "checkout")


@needs_postgres
def test_a_query_of_stop_words_shows_everything_and_says_why(org, login):
    factories.make_postmortem(org.payments, title="Checkout timeouts")
    factories.make_postmortem(org.payments, title="Deploy stalled")
    response = find(login(org.people.member), "the and of")
    assert len(listed(response)) == 2
    assert "has no words to search for" in response.content.decode()


# Permissions -------------------------------------------------------------------------------------

@pytest.fixture
def people_incident(everyone):
    postmortem = factories.make_postmortem(
        everyone.payments, kind="people", title=PEOPLE_TITLE, summary="A hand-off in a chat thread nobody owned.",
        authors=[everyone.people.author], viewers=[everyone.people.viewer],
    )
    factories.add_action_item(postmortem, title="Name an owner for every escalation")
    return postmortem


@pytest.mark.parametrize("q", [PEOPLE_TITLE, "escalation", "hand-off", "esc", f'"{PEOPLE_TITLE}"'])
def test_member_who_may_not_see_a_people_incident_never_finds_it(everyone, people_incident, login, q):
    factories.make_postmortem(everyone.payments, title="Escalation policy page was stale")
    response = find(login(everyone.people.member), q)
    page = response.content.decode()
    assert PEOPLE_TITLE not in listed(response)
    assert response.context["page"].paginator.count == len(listed(response))
    assert "hand-off in a chat thread" not in page
    assert "nobody owned" not in page


def test_a_viewer_of_the_people_incident_finds_it(everyone, people_incident, login):
    assert PEOPLE_TITLE in listed(find(login(everyone.people.viewer), "escalation"))


# Hostile input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("q", [
    '"', '"unbalanced', "a & b | !c", "foo:* <-> bar", "<script>alert(1)</script>", "' OR 1=1 --",
    "-", "--", "()", "x" * 5000, "word " * 400, "üñíçødé 漢字 🔥", "\x00null", "a\\b", "%_", "or", "-or",
])
def test_hostile_queries_never_error(org, login, q):
    factories.make_postmortem(org.payments, title="Checkout timeouts")
    response = find(login(org.people.member), q)
    assert "<script>alert(1)" not in response.content.decode()


def test_query_is_capped_in_length():
    assert len(search.clean_query("connection " * 100)) <= search.MAX_QUERY_LENGTH


def test_query_of_punctuation_only_searches_nothing():
    found = search.parse('"" -- ()')
    assert not found
    assert "no words to search for" in found.note


# Plain fallback (SQLite) -------------------------------------------------------------------------

def test_plain_search_matches_every_term_in_title_sections_and_action_items(org):
    first = factories.make_postmortem(org.payments, title="Checkout timeouts", lessons="Pool sized for 2019.")
    factories.add_action_item(first, title="Add a circuit breaker")
    factories.make_postmortem(org.payments, title="Deploy stalled", summary="Checkout was fine.")
    queryset = PostMortem.objects.visible_to(org.people.member)
    assert [p.title for p in search.plain_search(queryset, ("CHECKOUT", "breaker"))] == ["Checkout timeouts"]
    assert [p.title for p in search.plain_search(queryset, ("pool",))] == ["Checkout timeouts"]
    assert sorted(p.title for p in search.plain_search(queryset, ("checkout",))) == [
        "Checkout timeouts", "Deploy stalled"]


def test_plain_search_stays_within_the_queryset_it_is_given(everyone, people_incident):
    queryset = PostMortem.objects.visible_to(everyone.people.member)
    assert not search.plain_search(queryset, ("escalation",)).exists()


def test_plain_snippet_marks_the_match_and_escapes_hostile_text(org):
    postmortem = factories.make_postmortem(org.payments, summary="x" * 300 + ' <b onclick="x()">Payload</b> here')
    snippet = search.plain_snippet(postmortem, ("payload",))
    assert "<mark>Payload</mark>" in snippet
    assert "&lt;b onclick=&quot;x()&quot;&gt;" in snippet
    assert "<b" not in snippet
    assert snippet.startswith("… ")


def test_plain_snippet_is_empty_when_only_the_title_matches(org):
    postmortem = factories.make_postmortem(org.payments, title="Checkout timeouts", summary="Slow.")
    assert search.plain_snippet(postmortem, ("checkout",)) == ""


def test_headline_marks_survive_and_stray_marks_are_dropped():
    text = f"a {search.START}<hit>{search.STOP} {search.STOP}b {search.START}open"
    assert search.marked(text) == "a <mark>&lt;hit&gt;</mark> b <mark>open</mark>"
