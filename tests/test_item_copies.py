"""The post-mortem's team, kind and published state copied onto its action items.

Item lists and counts decide who may see an item from these copies, so every way a
post-mortem changes must carry them along: otherwise an item would stay listed under its
old team or stay visible after its incident became restricted.
"""
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse

from postmortems import actions
from postmortems.models import ActionItem, Membership, PostMortem
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def item_titles(client, url="/actions/?status=all"):
    page = client.get(url)
    assert page.status_code == 200
    return page.content.decode()


def test_a_new_item_carries_its_post_mortems_team_kind_and_state(org):
    postmortem = factories.make_postmortem(org.payments, kind="people", status="review")
    item = factories.add_action_item(postmortem)
    item.refresh_from_db()
    assert (item.postmortem_team_id, item.postmortem_kind, item.postmortem_published) == (org.payments.pk, "people", False)


def test_moving_a_post_mortem_to_another_team_moves_its_items_to_that_teams_dashboard(org, login):
    # The editor keeps a post-mortem with its team; the Django admin can move it (a model save).
    postmortem = factories.make_postmortem(org.payments)
    factories.add_action_item(postmortem, title="Rotate the paging schedule")
    assert "Rotate the paging schedule" in item_titles(login(org.people.member))
    assert "Rotate the paging schedule" not in item_titles(login(org.people.viewer))

    moved = PostMortem.objects.get(pk=postmortem.pk)
    moved.team = org.search
    moved.save()

    assert ActionItem.objects.get().postmortem_team_id == org.search.pk
    # A draft of another team now: gone for the old team's member, listed for the new team's.
    assert "Rotate the paging schedule" not in item_titles(login(org.people.member))
    assert "Rotate the paging schedule" in item_titles(login(org.people.viewer))


def test_publishing_in_the_editor_opens_the_items_page_to_everyone(org, login):
    postmortem = factories.make_postmortem(org.payments, status="review", authors=[org.people.author])
    item = factories.add_action_item(postmortem, owner=org.people.member)
    detail = reverse("postmortems:action-detail", args=[item.pk])
    assert login(org.people.outsider).get(detail).status_code == 404

    response, _ = factories.submit_editor(login(org.people.author), reverse("postmortems:edit", args=[postmortem.pk]),
                                          "publish")
    assert response.status_code == 302
    assert PostMortem.objects.get().status == "published"
    assert login(org.people.outsider).get(detail).status_code == 200


def test_publishing_opens_a_technical_item_to_everyone_and_only_then(org):
    postmortem = factories.make_postmortem(org.payments, status="review")
    item = factories.add_action_item(postmortem)
    outsider = org.people.outsider
    assert not ActionItem.objects.visible_to(outsider).filter(pk=item.pk).exists()

    postmortem.status = PostMortem.Status.PUBLISHED
    postmortem.save()
    assert ActionItem.objects.visible_to(outsider).filter(pk=item.pk).exists()


def test_making_an_incident_a_people_incident_closes_its_items_to_the_team(org):
    postmortem = factories.make_postmortem(org.payments, status="published")
    item = factories.add_action_item(postmortem)
    assert actions.team_items(org.people.member).filter(pk=item.pk).exists()

    # Loaded afresh, as a view would, and saved with only the kind named.
    loaded = PostMortem.objects.get(pk=postmortem.pk)
    loaded.kind = PostMortem.Kind.PEOPLE
    loaded.save(update_fields=["kind"])
    assert not ActionItem.objects.visible_to(org.people.member).filter(pk=item.pk).exists()
    assert not actions.team_items(org.people.member).filter(pk=item.pk).exists()
    assert actions.team_items(org.people.lead).filter(pk=item.pk).exists()


def test_saving_other_fields_leaves_the_items_alone(org, django_assert_num_queries):
    postmortem = factories.make_postmortem(org.payments)
    factories.add_action_item(postmortem)
    loaded = PostMortem.objects.get(pk=postmortem.pk)
    loaded.title = "A clearer title"
    # The stored team, kind and status, read under lock (a move starts from where the row is), and
    # the post-mortem's own UPDATE: nothing for its items.
    with django_assert_num_queries(2):
        loaded.save()


def test_a_stale_copy_saved_over_a_newer_kind_puts_the_items_where_the_row_is(org):
    # Two admin tabs: one opens a people incident, the other makes it technical and published;
    # the first then saves a title, writing its stale kind and status back with it.
    postmortem = factories.make_postmortem(org.payments, kind="people", status="draft")
    item = factories.add_action_item(postmortem)
    stale = PostMortem.objects.get(pk=postmortem.pk)
    fresh = PostMortem.objects.get(pk=postmortem.pk)
    fresh.kind, fresh.status = PostMortem.Kind.TECHNICAL, PostMortem.Status.PUBLISHED
    fresh.save()
    assert ActionItem.objects.visible_to(org.people.outsider).filter(pk=item.pk).exists()

    stale.title = "A clearer title"
    stale.save()

    assert PostMortem.objects.get(pk=postmortem.pk).kind == PostMortem.Kind.PEOPLE
    assert not ActionItem.objects.visible_to(org.people.outsider).filter(pk=item.pk).exists()
    assert not ActionItem.objects.visible_to(org.people.member).filter(pk=item.pk).exists()
    call_command("rebuild_item_copies", "--check")


def test_a_stale_copy_saving_only_its_team_leaves_the_newer_kind_on_the_items(org):
    # The stale copy still says technical and published; another tab made it a people incident.
    # Saving only the team writes the team alone: the items must carry the stored kind.
    postmortem = factories.make_postmortem(org.payments, status="published")
    item = factories.add_action_item(postmortem)
    stale = PostMortem.objects.get(pk=postmortem.pk)
    fresh = PostMortem.objects.get(pk=postmortem.pk)
    fresh.kind = PostMortem.Kind.PEOPLE
    fresh.save(update_fields=["kind"])

    stale.team = org.search
    stale.save(update_fields=["team"])

    stored = PostMortem.objects.get(pk=postmortem.pk)
    assert (stored.team, stored.kind) == (org.search, PostMortem.Kind.PEOPLE)
    assert not ActionItem.objects.visible_to(org.people.outsider).filter(pk=item.pk).exists()
    call_command("rebuild_item_copies", "--check")


@pytest.mark.django_db(transaction=True)
def test_a_save_in_progress_lets_new_items_of_the_post_mortem_commit(org):
    # A new item checks its post-mortem with a FOR KEY SHARE lock at commit: the save's own lock must
    # allow it, as the UPDATE's does, or every item added during a long save would wait on it.
    postmortem = factories.make_postmortem(org.payments)
    with transaction.atomic():
        loaded = PostMortem.objects.get(pk=postmortem.pk)
        loaded.team = org.search
        loaded.save()
        other = connection.copy()
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT 1 FROM postmortems_postmortem WHERE id = %s FOR KEY SHARE NOWAIT",
                               [postmortem.pk])
                assert cursor.fetchone() == (1,)
        finally:
            other.close()


def test_a_copy_loaded_without_its_visibility_fields_keeps_the_stored_ones(org):
    postmortem = factories.make_postmortem(org.payments, kind="people")
    item = factories.add_action_item(postmortem)
    partial = PostMortem.objects.only("title").get(pk=postmortem.pk)
    partial.title = "A clearer title"
    partial.save()
    assert PostMortem.objects.get(pk=postmortem.pk).kind == PostMortem.Kind.PEOPLE
    assert not ActionItem.objects.visible_to(org.people.member).filter(pk=item.pk).exists()
    call_command("rebuild_item_copies", "--check")


def test_bulk_created_items_get_the_copies_too(org):
    postmortem = factories.make_postmortem(org.search, kind="people", status="published")
    ActionItem.objects.bulk_create([ActionItem(postmortem=postmortem, title=f"Step {n}") for n in range(3)])
    assert set(ActionItem.objects.values_list("postmortem_team_id", "postmortem_kind", "postmortem_published")) == {
        (org.search.pk, "people", True)
    }


def test_items_visible_to_match_their_post_mortems_for_every_person(org):
    """The item rule and the post-mortem rule agree, for each person, across kinds and states."""
    factories.add_member(org.search, org.people.member, Membership.Role.MEMBER)
    for team in (org.payments, org.search):
        for kind in ("technical", "people"):
            for status in ("draft", "review", "published"):
                postmortem = factories.make_postmortem(team, kind=kind, status=status, authors=[org.people.author],
                                                       viewers=[org.people.viewer])
                factories.add_action_item(postmortem)
    for user in vars(org.people).values():
        expected = set(ActionItem.objects.filter(
            postmortem__in=PostMortem.objects.visible_to(user)).values_list("pk", flat=True))
        assert set(ActionItem.objects.visible_to(user).values_list("pk", flat=True)) == expected, user.username
        assert expected, user.username  # everyone sees the published technical ones at least


def test_the_command_finds_and_repairs_items_changed_around_the_app(org, capsys):
    postmortem = factories.make_postmortem(org.payments, kind="people")
    item = factories.add_action_item(postmortem)
    call_command("rebuild_item_copies", "--check")
    assert "agrees" in capsys.readouterr().out

    # As raw SQL or a bulk update would: the post-mortem changes, its items do not hear of it.
    PostMortem.objects.filter(pk=postmortem.pk).update(kind="technical", status="published", team=org.search)
    with pytest.raises(CommandError, match="1 action item disagree"):
        call_command("rebuild_item_copies", "--check")
    assert not ActionItem.objects.visible_to(org.people.outsider).exists()  # stale: still restricted

    call_command("rebuild_item_copies")
    assert "Repaired 1 action item." in capsys.readouterr().out
    item.refresh_from_db()
    assert (item.postmortem_team_id, item.postmortem_kind, item.postmortem_published) == (org.search.pk, "technical", True)
    assert ActionItem.objects.visible_to(org.people.outsider).filter(pk=item.pk).exists()
    call_command("rebuild_item_copies", "--check")
