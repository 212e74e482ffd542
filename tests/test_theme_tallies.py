"""The themes page's counts, kept as tallies per team, kind and published state.

Every way a factor or its post-mortem changes must reach the tallies, or the themes page
would count factors that are gone, miss new ones, or count a restricted incident for
someone who may no longer open it. Each test changes something the way a person or a
command does, then reads the count a reader sees and checks the tallies against a recount.
"""
import re
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection, transaction
from django.db.models.signals import pre_delete
from django.urls import reverse

from postmortems import revisions, theme_tallies
from postmortems.models import ContributingFactor, NamedThemeUse, PostMortem, Theme, ThemeTally
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def shown_uses(client, theme_name):
    """The number in the theme's row of the themes page, as the reader sees it."""
    html = client.get("/themes/").content.decode()
    row = html[html.index(theme_name):]
    row = row[:row.index("</tr>")]
    return int(re.findall(r"<td>(\d+)</td>", row)[-1])


def assert_tallies_match_the_factors():
    assert theme_tallies.stale_keys() == []


def on_own_connection(work, errors, name=None):
    """Start `work` in a thread (its own database connection); its exception lands in `errors`."""
    def run():
        try:
            work()
        except Exception as error:  # reported by the test: a thread's exception would otherwise vanish
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


def hold_a_new_factor(postmortem, theme, description, errors, *, hold=True):
    """On its own connection, add a factor; with `hold`, keep its transaction open until released.

    Returns (thread, release); with `hold`, once the factor is in and counted.
    """
    added, release = threading.Event(), threading.Event()
    if not hold:
        release.set()

    def add():
        with transaction.atomic():
            factories.add_factor(PostMortem.objects.get(pk=postmortem.pk), theme=theme, description=description)
            added.set()
            release.wait(10)

    thread = on_own_connection(add, errors)
    if hold:
        assert added.wait(10)
    return thread, release


@pytest.fixture
def theme(db):
    return Theme.objects.create(name="Handover gaps")


def test_factors_added_and_removed_in_the_editor_change_the_count_on_the_themes_page(org, login, theme):
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author], status="published")
    author, outsider = login(org.people.author), login(org.people.outsider)
    edit_url = reverse("postmortems:edit", args=[postmortem.pk])
    assert shown_uses(outsider, "Handover gaps") == 0

    factories.submit_editor(author, edit_url, **{
        "factors-0-theme": str(theme.pk), "factors-0-description": "The on-call note skipped the open ticket"})
    assert shown_uses(outsider, "Handover gaps") == 1
    assert_tallies_match_the_factors()

    factor = ContributingFactor.objects.get()
    _, posted = factories.submit_editor(author, edit_url, **{"factors-0-DELETE": "on"})
    assert posted["factors-0-id"] == str(factor.pk)
    assert not ContributingFactor.objects.exists()
    assert shown_uses(outsider, "Handover gaps") == 0
    assert_tallies_match_the_factors()


def test_changing_a_factors_theme_moves_its_use(org, theme):
    other = Theme.objects.create(name="Queue ownership drift")
    factor = factories.add_factor(factories.make_postmortem(org.payments, status="published"), theme=theme)
    loaded = ContributingFactor.objects.get(pk=factor.pk)
    loaded.theme = other
    loaded.save()
    assert theme_tallies.uses_for(org.people.outsider, [theme, other]) == {other.pk: 1}
    assert_tallies_match_the_factors()


def test_publishing_opens_the_count_to_everyone_and_restricting_closes_it(org, login, theme):
    postmortem = factories.make_postmortem(org.payments, status="review")
    factories.add_factor(postmortem, theme=theme)
    factories.add_factor(postmortem, theme=theme, description="Nobody owned the queue")
    outsider, member = login(org.people.outsider), login(org.people.member)
    assert (shown_uses(outsider, "Handover gaps"), shown_uses(member, "Handover gaps")) == (0, 2)

    postmortem.status = PostMortem.Status.PUBLISHED
    postmortem.save()
    assert shown_uses(outsider, "Handover gaps") == 2

    loaded = PostMortem.objects.get(pk=postmortem.pk)
    loaded.kind = PostMortem.Kind.PEOPLE
    loaded.save(update_fields=["kind"])
    # A people incident: only the team's leads (and its authors and viewers) count it now.
    assert (shown_uses(outsider, "Handover gaps"), shown_uses(member, "Handover gaps")) == (0, 0)
    assert shown_uses(login(org.people.lead), "Handover gaps") == 2
    assert_tallies_match_the_factors()


def test_moving_a_draft_to_another_team_moves_its_count(org, theme):
    postmortem = factories.make_postmortem(org.payments)
    factories.add_factor(postmortem, theme=theme)
    moved = PostMortem.objects.get(pk=postmortem.pk)
    moved.team = org.search
    moved.save()
    assert theme_tallies.uses_for(org.people.member, [theme]) == {}
    assert theme_tallies.uses_for(org.people.viewer, [theme]) == {theme.pk: 1}
    assert_tallies_match_the_factors()


def test_authors_and_viewers_of_people_incidents_count_them_and_nobody_else_does(org, theme):
    postmortem = factories.make_postmortem(org.search, kind="people", status="published",
                                           authors=[org.people.author], viewers=[org.people.member])
    factories.add_factor(postmortem, theme=theme)
    seen = {name: theme_tallies.uses_for(person, [theme]).get(theme.pk, 0) for name, person in vars(org.people).items()}
    # The author and the viewer by name, the Search lead by role; the Search member and the rest not at all.
    assert seen == {"author": 1, "lead": 0, "member": 1, "viewer": 0, "other_team": 1, "outsider": 0}


def test_sharing_and_unsharing_a_people_incident_changes_the_viewers_count(org, login, theme):
    postmortem = factories.make_postmortem(org.search, kind="people", authors=[org.people.other_team])
    factories.add_factor(postmortem, theme=theme)
    factories.add_factor(postmortem, theme=theme, description="Two managers each thought the other had called")
    outsider = login(org.people.outsider)
    assert shown_uses(outsider, "Handover gaps") == 0

    postmortem.viewers.add(org.people.outsider)
    assert shown_uses(outsider, "Handover gaps") == 2
    postmortem.viewers.remove(org.people.outsider)
    assert shown_uses(outsider, "Handover gaps") == 0
    assert_tallies_match_the_factors()


def test_adding_an_author_and_clearing_from_the_persons_side_follow_too(org, theme):
    postmortem = factories.make_postmortem(org.search, kind="people")
    factories.add_factor(postmortem, theme=theme)
    org.people.member.authored_postmortems.add(postmortem)  # from the person's side: the reverse relation
    assert theme_tallies.uses_for(org.people.member, [theme]) == {theme.pk: 1}
    through = PostMortem.authors.through
    org.people.member.authored_postmortems.clear()
    assert not through.objects.filter(user=org.people.member).exists()
    assert theme_tallies.uses_for(org.people.member, [theme]) == {}
    assert_tallies_match_the_factors()


def test_deleting_a_factor_of_a_people_incident_leaves_its_named_readers_count(org, login, theme):
    postmortem = factories.make_postmortem(org.search, kind="people", authors=[org.people.author])
    factories.add_factor(postmortem, theme=theme)
    gone = factories.add_factor(postmortem, theme=theme, description="The rota changed twice in a week")
    gone.delete()
    assert shown_uses(login(org.people.author), "Handover gaps") == 1
    assert_tallies_match_the_factors()


def test_a_technical_incident_becoming_a_people_incident_is_counted_for_its_authors_only(org, theme):
    postmortem = factories.make_postmortem(org.search, status="published", authors=[org.people.author])
    factories.add_factor(postmortem, theme=theme)
    loaded = PostMortem.objects.get(pk=postmortem.pk)
    loaded.kind = PostMortem.Kind.PEOPLE
    loaded.save()
    assert theme_tallies.uses_for(org.people.author, [theme]) == {theme.pk: 1}
    assert theme_tallies.uses_for(org.people.outsider, [theme]) == {}
    assert_tallies_match_the_factors()


def test_a_named_reader_who_also_leads_the_team_counts_the_incident_once(org, theme):
    postmortem = factories.make_postmortem(org.search, kind="people", authors=[org.people.other_team],
                                           viewers=[org.people.other_team])
    factories.add_factor(postmortem, theme=theme)
    assert theme_tallies.uses_for(org.people.other_team, [theme]) == {theme.pk: 1}


def test_deleting_a_post_mortem_takes_its_factors_out_of_the_count(org, theme):
    postmortem = factories.make_postmortem(org.payments, status="published")
    factories.add_factor(postmortem, theme=theme)
    factories.add_factor(factories.make_postmortem(org.search, status="published"), theme=theme)
    postmortem.delete()
    assert theme_tallies.uses_for(org.people.outsider, [theme]) == {theme.pk: 1}
    assert_tallies_match_the_factors()


def test_deleting_a_people_incident_takes_it_out_of_its_authors_count(org, theme):
    postmortem = factories.make_postmortem(org.search, kind="people", authors=[org.people.author],
                                           viewers=[org.people.outsider])
    factories.add_factor(postmortem, theme=theme)
    PostMortem.objects.filter(pk=postmortem.pk).delete()  # as the admin's bulk delete does
    assert theme_tallies.uses_for(org.people.author, [theme]) == {}
    assert not NamedThemeUse.objects.exists()
    assert_tallies_match_the_factors()


def test_restoring_a_revision_recounts_the_restored_factors(org, login, theme):
    postmortem = factories.make_postmortem(org.payments, status="published", authors=[org.people.author])
    author, edit_url = login(org.people.author), reverse("postmortems:edit", args=[postmortem.pk])
    factories.submit_editor(author, edit_url, **{
        "factors-0-theme": str(theme.pk), "factors-0-description": "The runbook named a retired queue"})
    factories.submit_editor(author, edit_url, **{"factors-0-DELETE": "on"})
    postmortem.refresh_from_db()
    assert (postmortem.version, theme_tallies.uses_for(org.people.outsider, [theme])) == (3, {})

    revisions.restore_revision(postmortem.revisions.get(version=2), author=org.people.author, expected_version=3)
    assert theme_tallies.uses_for(org.people.outsider, [theme]) == {theme.pk: 1}
    assert_tallies_match_the_factors()


def test_bulk_created_factors_are_counted(org, theme):
    postmortem = factories.make_postmortem(org.payments, status="published")
    ContributingFactor.objects.bulk_create(
        [ContributingFactor(postmortem=postmortem, theme=theme, description=f"Cause {n}") for n in range(3)])
    assert theme_tallies.uses_for(org.people.outsider, [theme]) == {theme.pk: 3}
    assert_tallies_match_the_factors()


def test_compacting_keeps_every_count_and_leaves_one_row_per_count(org, theme):
    postmortem = factories.make_postmortem(org.payments, status="published")
    for n in range(4):
        factories.add_factor(postmortem, theme=theme, description=f"Cause {n}")
    ContributingFactor.objects.filter(description="Cause 0").delete()
    assert ThemeTally.objects.count() == 5
    call_command("rebuild_theme_tallies", "--compact")
    assert ThemeTally.objects.count() == 1
    assert theme_tallies.uses_for(org.people.outsider, [theme]) == {theme.pk: 3}
    assert_tallies_match_the_factors()


def test_beat_compacts_the_tallies_every_hour(org, settings, theme):
    from postmortems import tasks

    postmortem = factories.make_postmortem(org.payments, status="published")
    for n in range(3):
        factories.add_factor(postmortem, theme=theme, description=f"Cause {n}")
    entry = settings.CELERY_BEAT_SCHEDULE["compact-theme-tallies"]
    assert (entry["task"], entry["schedule"]) == (tasks.compact_theme_tallies.name, 3600)
    assert tasks.compact_theme_tallies.apply().get() == {"rows": 1}
    assert theme_tallies.uses_for(org.people.outsider, [theme]) == {theme.pk: 3}


def test_the_command_finds_and_recounts_counts_changed_around_the_app(org, capsys, theme):
    postmortem = factories.make_postmortem(org.payments, kind="people", status="published")
    factories.add_factor(postmortem, theme=theme)
    call_command("rebuild_theme_tallies", "--check")
    assert "agrees" in capsys.readouterr().out

    # As raw SQL or a bulk update would: the post-mortem changes, the tallies do not hear of it.
    PostMortem.objects.filter(pk=postmortem.pk).update(kind="technical")
    # The old key and the new one, each for factors and for incidents.
    with pytest.raises(CommandError, match="4 theme counts disagree"):
        call_command("rebuild_theme_tallies", "--check")
    assert theme_tallies.uses_for(org.people.outsider, [theme]) == {}  # stale: still counted as restricted
    assert theme_tallies.incidents_for(org.people.outsider, theme) == 0

    call_command("rebuild_theme_tallies")
    assert "4 counts corrected" in capsys.readouterr().out
    assert theme_tallies.uses_for(org.people.outsider, [theme]) == {theme.pk: 1}
    assert theme_tallies.incidents_for(org.people.outsider, theme) == 1
    call_command("rebuild_theme_tallies", "--check")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_factor_saved_while_the_tallies_are_compacted_is_neither_lost_nor_counted_twice(org, theme):
    postmortem = factories.make_postmortem(org.payments, status="published")
    factories.add_factor(postmortem, theme=theme)
    errors = []
    # A second connection adds a factor and holds its transaction open across the compaction.
    saver, release = hold_a_new_factor(postmortem, theme, "Late", errors)
    compactor = on_own_connection(theme_tallies.compact, errors)
    compactor.join(1)
    assert compactor.is_alive()  # it waits for the open save rather than folding around it
    release.set()
    saver.join(10)
    compactor.join(10)
    assert not errors
    assert theme_tallies.uses_for(org.people.outsider, [theme]) == {theme.pk: 2}
    assert ThemeTally.objects.count() == 1
    assert_tallies_match_the_factors()


def test_a_row_deleted_in_the_editor_after_its_theme_was_changed_takes_the_saved_theme_out(org, login, theme):
    postmortem = factories.make_postmortem(org.payments, status="published", authors=[org.people.author])
    factor = factories.add_factor(postmortem, theme=theme)
    other = Theme.objects.create(name="Queue ownership drift")
    # The editor cleans rows marked for deletion too: the form holds the new theme when it deletes.
    factories.submit_editor(login(org.people.author), reverse("postmortems:edit", args=[postmortem.pk]), **{
        "factors-0-theme": str(other.pk), "factors-0-DELETE": "on"})
    assert not ContributingFactor.objects.filter(pk=factor.pk).exists()
    assert theme_tallies.uses_for(org.people.outsider, [theme, other]) == {}
    assert_tallies_match_the_factors()


def test_deleting_one_factor_twice_subtracts_once(org, theme):
    postmortem = factories.make_postmortem(org.payments, status="published")
    factor = factories.add_factor(postmortem, theme=theme)
    factories.add_factor(postmortem, theme=theme, description="Second")
    copy = ContributingFactor.objects.get(pk=factor.pk)
    factor.delete()
    copy.delete()
    assert theme_tallies.uses_for(org.people.outsider, [theme]) == {theme.pk: 1}
    assert_tallies_match_the_factors()


def test_moving_a_factor_to_a_people_incident_in_the_admin_stops_counting_it_for_everyone(org, theme):
    published = factories.make_postmortem(org.payments, status="published")
    restricted = factories.make_postmortem(org.payments, kind="people", authors=[org.people.author])
    factor = ContributingFactor.objects.get(pk=factories.add_factor(published, theme=theme).pk)
    factor.postmortem = restricted
    factor.save()
    assert theme_tallies.uses_for(org.people.outsider, [theme]) == {}
    assert theme_tallies.uses_for(org.people.author, [theme]) == {theme.pk: 1}
    assert_tallies_match_the_factors()


def test_two_stale_copies_moving_one_after_the_other_leave_the_counts_where_the_row_is(org, theme):
    # Two admin tabs load the same draft; one moves it to Search, then the other publishes it,
    # writing its stale team (Payments) back: the counts follow each save from the stored row.
    postmortem = factories.make_postmortem(org.payments, status="draft")
    factories.add_factor(postmortem, theme)
    first = PostMortem.objects.get(pk=postmortem.pk)
    second = PostMortem.objects.get(pk=postmortem.pk)
    first.team = org.search
    first.save()
    assert_tallies_match_the_factors()

    second.status = PostMortem.Status.PUBLISHED
    second.save()

    assert PostMortem.objects.get(pk=postmortem.pk).team == org.payments
    assert_tallies_match_the_factors()



# Incidents per theme: the post-mortem list filtered by a theme counts its matches from these.

def shown_list_count(client, theme):
    """The count line of the post-mortem list filtered by `theme`, as the reader sees it."""
    html = client.get("/", {"theme": theme.pk}).content.decode()
    match = re.search(r"(\d+) post-mortems? match these filters", html)
    assert match, "the filtered list shows no count"
    return int(match.group(1))


def readable_naming(user, theme):
    """The truth the count must equal: incidents this person may open with a factor naming the theme."""
    return PostMortem.objects.visible_to(user).filter(factors__theme=theme).distinct().count()


def test_an_incident_naming_a_theme_twice_is_counted_once_until_its_last_such_factor_goes(org, login, theme):
    postmortem = factories.make_postmortem(org.payments, status="published")
    first = factories.add_factor(postmortem, theme=theme)
    second = factories.add_factor(postmortem, theme=theme, description="Second reading of the same gap")
    outsider = login(org.people.outsider)
    assert shown_list_count(outsider, theme) == 1
    assert shown_uses(outsider, "Handover gaps") == 2  # the themes page still counts factors

    first.delete()
    assert shown_list_count(outsider, theme) == 1
    second.delete()
    assert shown_list_count(outsider, theme) == 0
    assert_tallies_match_the_factors()


def test_moving_one_of_two_factors_to_another_theme_counts_the_incident_under_both(org, theme):
    other = Theme.objects.create(name="Queue ownership drift")
    postmortem = factories.make_postmortem(org.payments, status="published")
    first = factories.add_factor(postmortem, theme=theme)
    second = factories.add_factor(postmortem, theme=theme, description="Second")
    reader = org.people.outsider

    second.theme = other
    second.save()
    assert (theme_tallies.incidents_for(reader, theme), theme_tallies.incidents_for(reader, other)) == (1, 1)
    first.theme = other
    first.save()
    assert (theme_tallies.incidents_for(reader, theme), theme_tallies.incidents_for(reader, other)) == (0, 1)
    assert_tallies_match_the_factors()


def test_deleting_an_incident_or_its_factors_at_once_takes_it_out_of_the_theme_count_once(org, theme):
    kept = factories.make_postmortem(org.payments, status="published")
    factories.add_factor(kept, theme=theme)
    cascaded = factories.make_postmortem(org.payments, status="published")
    bulk = factories.make_postmortem(org.payments, status="published")
    for postmortem in (cascaded, bulk):
        factories.add_factor(postmortem, theme=theme)
        factories.add_factor(postmortem, theme=theme, description="Again")
    assert theme_tallies.incidents_for(org.people.outsider, theme) == 3

    # One deletion sends every factor's pre_delete before deleting any of them.
    cascaded.delete()
    assert theme_tallies.incidents_for(org.people.outsider, theme) == 2
    ContributingFactor.objects.filter(postmortem=bulk).delete()
    assert theme_tallies.incidents_for(org.people.outsider, theme) == 1
    assert_tallies_match_the_factors()


def test_a_factor_deleted_saved_again_and_deleted_again_is_counted_each_time(org, theme):
    postmortem = factories.make_postmortem(org.payments, status="published")
    factor = factories.add_factor(postmortem, theme=theme)
    factor.delete()
    factor.save()  # Django cleared its id: this inserts it anew
    assert theme_tallies.incidents_for(org.people.outsider, theme) == 1
    factor.delete()
    assert theme_tallies.incidents_for(org.people.outsider, theme) == 0
    assert_tallies_match_the_factors()


def test_a_stale_copy_saved_after_its_row_was_deleted_elsewhere_is_counted_again(org, theme):
    # One tab deletes the factor; another, holding it from before, saves it: Django inserts the
    # row again, and the counts must say it is there.
    postmortem = factories.make_postmortem(org.payments, status="published")
    factor = factories.add_factor(postmortem, theme=theme)
    stale = ContributingFactor.objects.get(pk=factor.pk)
    factor.delete()
    assert theme_tallies.incidents_for(org.people.outsider, theme) == 0

    stale.description = "Edited in the other tab"
    stale.save()

    assert ContributingFactor.objects.filter(pk=stale.pk).exists()
    assert theme_tallies.incidents_for(org.people.outsider, theme) == 1
    assert_tallies_match_the_factors()


def test_the_theme_filtered_list_counts_exactly_what_each_reader_may_open(org, login, theme):
    people = org.people
    published = factories.make_postmortem(org.payments, status="published")
    draft = factories.make_postmortem(org.payments, status="draft")
    other_team_draft = factories.make_postmortem(org.search, status="review")
    restricted = factories.make_postmortem(org.payments, kind="people", authors=[people.author])
    shared = factories.make_postmortem(org.search, kind="people", viewers=[people.viewer, people.author])
    for postmortem in (published, draft, other_team_draft, restricted, shared):
        factories.add_factor(postmortem, theme=theme)
        factories.add_factor(postmortem, theme=theme, description="Named twice")
    factories.add_factor(factories.make_postmortem(org.payments, status="published"))  # another theme

    for person in vars(people).values():
        expected = readable_naming(person, theme)
        assert theme_tallies.incidents_for(person, theme) == expected, person.username
        assert shown_list_count(login(person), theme) == expected, person.username
    # The restricted incidents count only for those who may open them.
    assert readable_naming(people.outsider, theme) == 1
    assert readable_naming(people.author, theme) == 4

    # Moves and shares follow: the draft is published, the shared incident is unshared.
    draft.status = PostMortem.Status.PUBLISHED
    draft.save()
    shared.viewers.remove(people.author)
    for person in vars(people).values():
        assert theme_tallies.incidents_for(person, theme) == readable_naming(person, theme), person.username
    assert_tallies_match_the_factors()


def test_other_filters_with_the_theme_still_count_the_rows(org, login, theme):
    for severity in (1, 2, 2):
        factories.add_factor(factories.make_postmortem(org.payments, status="published", severity=severity), theme=theme)
    html = login(org.people.outsider).get("/", {"theme": theme.pk, "severity": 2}).content.decode()
    assert "2 post-mortems match these filters" in html


def test_compacting_and_rebuilding_keep_the_incident_counts(org, theme):
    postmortem = factories.make_postmortem(org.payments, status="published")
    for _ in range(3):
        factories.add_factor(postmortem, theme=theme)
    theme_tallies.compact()
    assert theme_tallies.incidents_for(org.people.outsider, theme) == 1
    assert theme_tallies.rebuild() == 0
    assert theme_tallies.incidents_for(org.people.outsider, theme) == 1
    assert_tallies_match_the_factors()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_two_editors_naming_the_same_theme_on_one_incident_at_once_count_it_once(org, theme):
    postmortem = factories.make_postmortem(org.payments, status="published")
    errors = []
    # The first editor's transaction adds its factor and stays open while the second adds its own.
    first, release = hold_a_new_factor(postmortem, theme, "First", errors)
    second, _ = hold_a_new_factor(postmortem, theme, "Second", errors, hold=False)
    second.join(1)
    assert second.is_alive()  # it waits for the incident's lock rather than deciding on a stale view
    release.set()
    first.join(10)
    second.join(10)
    assert not errors
    assert theme_tallies.incidents_for(org.people.outsider, theme) == 1
    assert_tallies_match_the_factors()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_two_writers_outside_transactions_adding_an_incidents_first_factors_count_it_once(org, theme, monkeypatch):
    # A script or shell saves in autocommit: each save and its tally still commit together.
    postmortem = factories.make_postmortem(org.payments, status="published")
    counted = theme_tallies.factors_added
    first_inserted, second_done, errors = threading.Event(), threading.Event(), []

    def factors_added(factors):
        if threading.current_thread().name == "first":
            first_inserted.set()  # its row is written; the tally has not run yet
            second_done.wait(10)
        return counted(factors)

    monkeypatch.setattr(theme_tallies, "factors_added", factors_added)
    first = on_own_connection(
        lambda: factories.add_factor(PostMortem.objects.get(pk=postmortem.pk), theme=theme, description="First"),
        errors, name="first")
    assert first_inserted.wait(10)
    factories.add_factor(postmortem, theme=theme, description="Second")
    second_done.set()
    first.join(10)
    assert not errors
    assert theme_tallies.incidents_for(org.people.outsider, theme) == 1
    assert_tallies_match_the_factors()


def test_a_deletion_retried_after_it_failed_part_way_still_takes_the_incident_out(org, theme):
    postmortem = factories.make_postmortem(org.payments, status="published")
    factories.add_factor(postmortem, theme=theme)
    factories.add_factor(postmortem, theme=theme, description="Again")
    calls = []

    def fail_on_second(sender, instance, **kwargs):  # as a deadlock or lock timeout would
        calls.append(instance.pk)
        if len(calls) == 2:
            raise OperationalError("deadlock detected")

    pre_delete.connect(fail_on_second, sender=ContributingFactor, dispatch_uid="test.fail_on_second")
    try:
        with pytest.raises(OperationalError), transaction.atomic():
            postmortem.delete()
    finally:
        pre_delete.disconnect(sender=ContributingFactor, dispatch_uid="test.fail_on_second")
    postmortem.delete()  # the same object again
    assert theme_tallies.incidents_for(org.people.outsider, theme) == 0
    assert_tallies_match_the_factors()


def test_a_bulk_created_factor_whose_theme_changes_moves_its_incident(org, theme):
    other = Theme.objects.create(name="Queue ownership drift")
    postmortem = factories.make_postmortem(org.payments, status="published")
    [factor] = ContributingFactor.objects.bulk_create(
        [ContributingFactor(postmortem=postmortem, theme=theme, description="Imported")])
    factor.theme = other
    factor.save()
    reader = org.people.outsider
    assert (theme_tallies.incidents_for(reader, theme), theme_tallies.incidents_for(reader, other)) == (0, 1)
    assert_tallies_match_the_factors()
