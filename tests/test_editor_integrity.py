"""The editor never silently loses anyone's work: quick actions taken meanwhile, rows deleted meanwhile,
inactive people, the action-item history, who may own a people incident's items, limits and queries."""
import re
from datetime import date, datetime, timedelta, timezone as dt_timezone

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from postmortems.forms import SECTION_MAX_LENGTH
from postmortems.models import ActionItem, ActionItemChange, PostMortem
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, *args):
    return reverse(f"postmortems:{name}", args=args)


def html(response):
    return response.content.decode()


def save(client, postmortem, data, **changes):
    return client.post(url("edit", postmortem.pk), {**data, **changes, "action": changes.pop("action", "save")})


@pytest.fixture
def incident(org):
    """A Payments technical draft by Ada with one open item owned by Mo, due in a week."""
    postmortem = factories.make_postmortem(org.payments, title="Checkout timeouts", summary="Checkout failed.",
                                           authors=[org.people.author])
    item = factories.add_action_item(postmortem, owner=org.people.member, title="Alert on pool saturation")
    return postmortem, item


# 1. Quick actions taken while someone edits are not reverted --------------------------------------

QUICK = {
    "done": ("action-done", {"note": "Alert is live"}, "status Open → Done"),
    "due_date": ("action-due-date", {"due_date": "2031-03-01", "reason": "Vendor delay"}, "due date"),
    "owner": ("action-owner", {"owner": "AUTHOR"}, "owner Mo Haddad → Ada Okafor"),
}


def quick(client, org, item, name):
    route, data, _ = QUICK[name]
    data = {key: (org.people.author.pk if value == "AUTHOR" else value) for key, value in data.items()}
    response = client.post(url(route, item.pk), data)
    assert response.status_code == 302, html(response)[:500]


def item_state(item):
    item.refresh_from_db()
    return item.status, item.due_date, item.owner_id, item.closed_at is not None


@pytest.mark.parametrize("name", list(QUICK))
def test_saving_the_editor_does_not_revert_a_quick_action_taken_meanwhile(org, incident, login, name):
    postmortem, item = incident
    ada, lin = login(org.people.author), login(org.people.lead)
    stale = factories.open_editor(ada, url("edit", postmortem.pk))
    quick(lin, org, item, name)
    after_quick = item_state(item)

    response = save(ada, postmortem, stale, summary="Checkout failed (typo fixed).")

    assert item_state(item) == after_quick
    assert response.status_code == 409
    page = html(response)
    assert "Lin Park changed this item after you opened the editor" in page
    assert QUICK[name][2] in page
    postmortem.refresh_from_db()
    assert (postmortem.version, postmortem.summary) == (1, "Checkout failed.")
    assert factories.form_fields(page)["summary"] == "Checkout failed (typo fixed)."  # the typed text is kept


@pytest.mark.parametrize("name", list(QUICK))
def test_saving_the_rearmed_editor_keeps_the_quick_action_and_the_typed_text(org, incident, login, name):
    postmortem, item = incident
    ada, lin = login(org.people.author), login(org.people.lead)
    stale = factories.open_editor(ada, url("edit", postmortem.pk))
    quick(lin, org, item, name)
    after_quick = item_state(item)
    rearmed = factories.form_fields(html(save(ada, postmortem, stale, summary="Typo fixed.")))

    response = save(ada, postmortem, rearmed)

    assert response.status_code == 302
    assert item_state(item) == after_quick
    postmortem.refresh_from_db()
    assert (postmortem.version, postmortem.summary) == (2, "Typo fixed.")
    assert item.changes.count() == 1  # the quick action's; the editor changed nothing of the item


def test_after_the_refusal_a_deliberate_edit_of_the_row_is_saved_and_recorded(org, incident, login):
    postmortem, item = incident
    ada, lin = login(org.people.author), login(org.people.lead)
    stale = factories.open_editor(ada, url("edit", postmortem.pk))
    quick(lin, org, item, "done")
    rearmed = factories.form_fields(html(save(ada, postmortem, stale)))
    row = factories.row_prefix(rearmed, "actions", item.pk)
    assert rearmed[f"{row}-status"] == "done"

    assert save(ada, postmortem, rearmed, **{f"{row}-status": "in_progress"}).status_code == 302

    assert item_state(item)[::3] == ("in_progress", False)
    latest = item.changes.first()
    assert (latest.actor, latest.field, latest.old_value, latest.new_value) == (
        org.people.author, "status", "done", "in_progress")


def test_other_edits_to_a_changed_row_are_kept_when_it_is_rearmed(org, incident, login):
    postmortem, item = incident
    ada, lin = login(org.people.author), login(org.people.lead)
    stale = factories.open_editor(ada, url("edit", postmortem.pk))
    row = factories.row_prefix(stale, "actions", item.pk)
    quick(lin, org, item, "done")
    response = save(ada, postmortem, stale, **{f"{row}-title": "Alert on pool saturation at 80%"})
    rearmed = factories.form_fields(html(response))
    assert (rearmed[f"{row}-title"], rearmed[f"{row}-status"]) == ("Alert on pool saturation at 80%", "done")


def test_deleting_a_row_changed_meanwhile_is_refused(org, incident, login):
    postmortem, item = incident
    ada, lin = login(org.people.author), login(org.people.lead)
    stale = factories.open_editor(ada, url("edit", postmortem.pk))
    quick(lin, org, item, "done")
    row = factories.row_prefix(stale, "actions", item.pk)
    response = save(ada, postmortem, stale, **{f"{row}-DELETE": "on"})
    assert response.status_code == 409
    assert ActionItem.objects.filter(pk=item.pk, status="done").exists()
    assert f"{row}-DELETE" not in factories.form_fields(html(response))


def test_rows_untouched_since_the_editor_opened_save_normally(org, incident, login):
    postmortem, item = incident
    other = factories.add_action_item(postmortem, owner=org.people.lead, title="Runbook for pool sizing")
    ada, lin = login(org.people.author), login(org.people.lead)
    stale = factories.open_editor(ada, url("edit", postmortem.pk))
    quick(lin, org, other, "done")
    # The other row is refused, so nothing is saved, but the untouched row is not flagged.
    page = html(save(ada, postmortem, stale))
    assert page.count("changed this item after you opened the editor") == 1


def test_quick_actions_stamp_the_item_as_changed(org, incident):
    from postmortems import actions

    _, item = incident
    for change in [
        lambda: actions.mark_done(item, actor=org.people.lead),
        lambda: actions.change_due_date(item, actor=org.people.lead, due_date=date(2031, 1, 1), reason="Later"),
        lambda: actions.reassign(item, actor=org.people.lead, owner=org.people.author),
    ]:
        before = ActionItem.objects.get(pk=item.pk).updated_at
        change()
        assert ActionItem.objects.get(pk=item.pk).updated_at > before


# 2. A conflicting edit is never a dead end ----------------------------------------------------------

@pytest.fixture
def two_editors(org, incident, login):
    """Ada and Lin open the editor at version 1, which has one timeline event."""
    postmortem, _ = incident
    event = factories.add_timeline_event_at(postmortem, datetime(2024, 5, 1, 9, 5, tzinfo=dt_timezone.utc))
    ada, lin = login(org.people.author), login(org.people.lead)
    return {"postmortem": postmortem, "event": event, "ada": ada, "lin": lin,
            "ada_form": factories.open_editor(ada, url("edit", postmortem.pk)),
            "lin_form": factories.open_editor(lin, url("edit", postmortem.pk))}


def test_conflict_after_the_other_person_deleted_a_row_shows_the_conflict(two_editors):
    t = two_editors
    row = factories.row_prefix(t["lin_form"], "timeline", t["event"].pk)
    assert save(t["lin"], t["postmortem"], t["lin_form"], **{f"{row}-DELETE": "on"}).status_code == 302

    response = save(t["ada"], t["postmortem"], t["ada_form"], summary="Ada's careful summary",
                    **{f"{row}-description": "Alert fired, paged on-call"})

    page = html(response)
    assert response.status_code == 409
    assert "Someone else saved this post-mortem while you were editing" in page
    assert "Rows deleted in version 2" in page and "Alert fired, paged on-call" in page
    form = factories.form_fields(page)
    assert form["summary"] == "Ada's careful summary"
    # The deleted event left the form; only the blank row for a new event remains.
    assert (form["version"], form["timeline-TOTAL_FORMS"], form["timeline-INITIAL_FORMS"]) == ("2", "1", "0")
    assert form["timeline-0-description"] == ""


def test_resubmitting_after_a_deleted_row_conflict_saves(two_editors):
    t = two_editors
    row = factories.row_prefix(t["lin_form"], "timeline", t["event"].pk)
    save(t["lin"], t["postmortem"], t["lin_form"], **{f"{row}-DELETE": "on"})
    page = html(save(t["ada"], t["postmortem"], t["ada_form"], summary="Ada's careful summary"))

    response = save(t["ada"], t["postmortem"], factories.form_fields(page))

    assert response.status_code == 302
    postmortem = t["postmortem"]
    postmortem.refresh_from_db()
    assert (postmortem.version, postmortem.summary) == (3, "Ada's careful summary")
    assert not postmortem.timeline_events.exists()


def test_conflict_form_includes_rows_added_meanwhile_and_keeps_new_typed_rows(two_editors):
    t = two_editors
    save(t["lin"], t["postmortem"], t["lin_form"], **{
        "timeline-1-occurred_at": "2024-05-01T09:30", "timeline-1-description": "Lin's rollback"})
    response = save(t["ada"], t["postmortem"], t["ada_form"], **{
        "timeline-1-occurred_at": "2024-05-01T09:40", "timeline-1-description": "Ada's recovery"})
    assert response.status_code == 409
    form = factories.form_fields(html(response))
    descriptions = [form[f"timeline-{i}-description"] for i in range(int(form["timeline-TOTAL_FORMS"]))]
    assert descriptions[:3] == ["Alert fired", "Lin's rollback", "Ada's recovery"]

    assert save(t["ada"], t["postmortem"], form).status_code == 302
    assert list(t["postmortem"].timeline_events.values_list("description", flat=True)) == [
        "Alert fired", "Lin's rollback", "Ada's recovery"]


def test_a_post_without_a_version_is_treated_as_stale(org, incident, login):
    postmortem, _ = incident
    client = login(org.people.author)
    response = save(client, postmortem, factories.open_editor(client, url("edit", postmortem.pk)),
                    version="", summary="No version")
    data = factories.open_editor(client, url("edit", postmortem.pk))
    data.pop("version")
    response_without = client.post(url("edit", postmortem.pk), {**data, "summary": "No version", "action": "save"})
    postmortem.refresh_from_db()
    assert (response.status_code, response_without.status_code) == (409, 409)
    assert (postmortem.version, postmortem.summary) == (1, "Checkout failed.")
    assert factories.form_fields(html(response_without))["version"] == "1"


def test_a_status_change_without_a_version_is_treated_as_stale(org, incident, login):
    postmortem, _ = incident
    response = login(org.people.author).post(url("status", postmortem.pk), {"status": "review"}, follow=True)
    postmortem.refresh_from_db()
    assert (postmortem.status, postmortem.version) == ("draft", 1)
    assert "Someone saved a newer version meanwhile" in html(response)


def test_a_row_deleted_without_a_new_version_is_marked_on_the_row(org, incident, login):
    postmortem, item = incident
    client = login(org.people.author)
    data = factories.open_editor(client, url("edit", postmortem.pk))
    ActionItem.objects.filter(pk=item.pk).delete()  # e.g. from the admin, which does not bump the version
    response = save(client, postmortem, data)
    assert response.status_code == 200
    assert "This row no longer matches a saved one" in html(response)


def test_restore_carries_the_version_seen_and_refuses_if_someone_saved_meanwhile(org, incident, login):
    postmortem, _ = incident
    client = login(org.people.author)
    factories.submit_editor(client, url("edit", postmortem.pk), summary="Version two")
    page = html(client.get(url("revision", postmortem.pk, 1)))
    assert 'name="version" value="2"' in page
    factories.submit_editor(login(org.people.lead), url("edit", postmortem.pk), summary="Lin's version three")

    response = client.post(url("revision-restore", postmortem.pk, 1), {"version": "2"}, follow=True)

    postmortem.refresh_from_db()
    assert (postmortem.version, postmortem.summary) == (3, "Lin's version three")
    assert "Someone saved a newer version while you were looking at this one" in html(response)


def test_restore_without_a_version_is_refused(org, incident, login):
    postmortem, _ = incident
    client = login(org.people.author)
    factories.submit_editor(client, url("edit", postmortem.pk), summary="Version two")
    client.post(url("revision-restore", postmortem.pk, 1))
    postmortem.refresh_from_db()
    assert (postmortem.version, postmortem.summary) == (2, "Version two")
    assert client.post(url("revision-restore", postmortem.pk, 1), {"version": "2"}).status_code == 302
    postmortem.refresh_from_db()
    assert (postmortem.version, postmortem.summary) == (3, "Checkout failed.")


# 3. Inactive people stay where they are --------------------------------------------------------------

def test_saving_keeps_an_inactive_owner(org, incident, login):
    postmortem, item = incident
    org.people.member.is_active = False
    org.people.member.save()
    response, _ = factories.submit_editor(login(org.people.author), url("edit", postmortem.pk), summary="Typo fixed")
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.owner == org.people.member


def test_inactive_owner_is_offered_only_on_their_own_row(org, incident, login):
    postmortem, item = incident
    factories.add_action_item(postmortem, owner=org.people.lead, title="Other item")
    org.people.member.is_active = False
    org.people.member.save()
    page = html(login(org.people.author).get(url("edit", postmortem.pk)))
    assert page.count(f'<option value="{org.people.member.pk}"') == 1


def test_saving_keeps_inactive_authors_and_viewers(org, login):
    p = org.people
    postmortem = factories.make_postmortem(org.payments, kind="people", authors=[p.author, p.member],
                                           viewers=[p.viewer])
    for person in (p.member, p.viewer):
        person.is_active = False
        person.save()
    response, _ = factories.submit_editor(login(p.author), url("edit", postmortem.pk), summary="Typo fixed")
    assert response.status_code == 302
    assert set(postmortem.authors.all()) == {p.author, p.member}
    assert set(postmortem.viewers.all()) == {p.viewer}


# 4. Changes made in the editor are in the item's history ---------------------------------------------

def test_editor_changes_to_status_due_date_and_owner_are_recorded(org, incident, login):
    postmortem, item = incident
    client = login(org.people.author)
    data = factories.open_editor(client, url("edit", postmortem.pk))
    row = factories.row_prefix(data, "actions", item.pk)
    old_due = item.due_date
    response = save(client, postmortem, data, **{
        f"{row}-status": "done", f"{row}-due_date": "2031-02-03", f"{row}-owner": str(org.people.lead.pk),
        f"{row}-title": "Alert on pool saturation (renamed)",
    })
    assert response.status_code == 302
    changes = {change.field: change for change in item.changes.all()}
    assert set(changes) == {"status", "due_date", "owner"}
    assert {(c.actor, c.old_value, c.new_value) for c in changes.values()} == {
        (org.people.author, "open", "done"),
        (org.people.author, old_due.isoformat(), "2031-02-03"),
        (org.people.author, "Mo Haddad", "Lin Park"),
    }
    item.refresh_from_db()
    assert (item.title, item.status, item.closed_at is not None) == ("Alert on pool saturation (renamed)", "done", True)


def test_a_refused_save_records_no_item_change(org, incident, login):
    postmortem, item = incident
    ada = login(org.people.author)
    stale = factories.open_editor(ada, url("edit", postmortem.pk))
    quick(login(org.people.lead), org, item, "owner")
    row = factories.row_prefix(stale, "actions", item.pk)
    save(ada, postmortem, stale, **{f"{row}-status": "done"})
    assert list(item.changes.values_list("field", flat=True)) == ["owner"]


# 5. Owners of a people incident's items must be able to read it --------------------------------------

@pytest.fixture
def people_incident(org):
    postmortem = factories.make_postmortem(org.payments, kind="people", title="Lost escalation",
                                           authors=[org.people.author])
    item = factories.add_action_item(postmortem, owner=org.people.author, title="Name an owner for hand-offs")
    return postmortem, item


CANNOT_SEE = "Add them as a viewer first, or choose someone who can see this post-mortem"


def test_editor_refuses_an_owner_who_cannot_see_the_people_incident(org, people_incident, login):
    postmortem, item = people_incident
    client = login(org.people.author)
    data = factories.open_editor(client, url("edit", postmortem.pk))
    row = factories.row_prefix(data, "actions", item.pk)
    response = save(client, postmortem, data, summary="Typed words", **{f"{row}-owner": str(org.people.member.pk)})
    page = html(response)
    assert response.status_code == 200
    assert "Mo Haddad cannot see this post-mortem" in page and CANNOT_SEE in page
    assert factories.form_fields(page)["summary"] == "Typed words"
    item.refresh_from_db()
    assert item.owner == org.people.author


def test_editor_accepts_the_owner_once_added_as_a_viewer_in_the_same_save(org, people_incident, login):
    postmortem, item = people_incident
    client = login(org.people.author)
    data = factories.open_editor(client, url("edit", postmortem.pk))
    row = factories.row_prefix(data, "actions", item.pk)
    response = save(client, postmortem, data, viewers=[str(org.people.member.pk)],
                    **{f"{row}-owner": str(org.people.member.pk)})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.owner == org.people.member


def test_editor_accepts_a_team_lead_as_owner(org, people_incident, login):
    postmortem, item = people_incident
    client = login(org.people.author)
    data = factories.open_editor(client, url("edit", postmortem.pk))
    row = factories.row_prefix(data, "actions", item.pk)
    assert save(client, postmortem, data, **{f"{row}-owner": str(org.people.lead.pk)}).status_code == 302


def test_new_people_incident_judges_owners_by_the_viewers_being_saved(org, login):
    client = login(org.people.author)
    data = factories.open_editor(client, url("create") + "?kind=people")
    data.update({"title": "Lost escalation", "summary": "A hand-off nobody owned.",
                 "actions-0-title": "Name an owner", "actions-0-owner": str(org.people.member.pk),
                 "actions-0-priority": "medium", "actions-0-status": "open", "action": "save"})
    refused = client.post(url("create"), data)
    assert refused.status_code == 200 and CANNOT_SEE in html(refused)
    assert not PostMortem.objects.exists()

    assert client.post(url("create"), {**data, "viewers": [str(org.people.member.pk)]}).status_code == 302
    assert ActionItem.objects.get().owner == org.people.member


def test_removing_the_owner_as_viewer_is_refused(org, login):
    p = org.people
    postmortem = factories.make_postmortem(org.payments, kind="people", authors=[p.author], viewers=[p.member])
    factories.add_action_item(postmortem, owner=p.member)
    client = login(p.author)
    response = save(client, postmortem, factories.open_editor(client, url("edit", postmortem.pk)), viewers=[])
    assert CANNOT_SEE in html(response)
    assert list(postmortem.viewers.all()) == [p.member]


def test_technical_incident_owners_are_not_limited(org, incident, login):
    postmortem, item = incident
    client = login(org.people.author)
    data = factories.open_editor(client, url("edit", postmortem.pk))
    row = factories.row_prefix(data, "actions", item.pk)
    assert save(client, postmortem, data, **{f"{row}-owner": str(org.people.other_team.pk)}).status_code == 302


def test_reassign_refuses_an_owner_who_cannot_see_the_people_incident(org, people_incident, login):
    _, item = people_incident
    response = login(org.people.lead).post(url("action-owner", item.pk),
                                           {"owner": org.people.member.pk, "note": "Mo knows"}, **HTMX)
    page = html(response)
    assert "Mo Haddad cannot see this post-mortem" in page and CANNOT_SEE in page
    assert 'value="Mo knows"' in page  # the typed note is kept
    item.refresh_from_db()
    assert item.owner == org.people.author
    assert not ActionItemChange.objects.exists()


def test_reassign_to_a_viewer_of_the_people_incident_is_fine(org, people_incident, login):
    postmortem, item = people_incident
    postmortem.viewers.add(org.people.member)
    response = login(org.people.lead).post(url("action-owner", item.pk), {"owner": org.people.member.pk})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.owner == org.people.member


# 6. Limits ---------------------------------------------------------------------------------------------

def test_a_section_over_the_limit_is_refused_with_a_clear_error(org, incident, login):
    postmortem, _ = incident
    client = login(org.people.author)
    data = factories.open_editor(client, url("edit", postmortem.pk))
    response = save(client, postmortem, data, impact="x" * (SECTION_MAX_LENGTH + 1), summary="Kept summary")
    page = html(response)
    assert response.status_code == 200
    assert "This section is too long: 50,001 characters, and the limit is 50,000." in page
    postmortem.refresh_from_db()
    assert (postmortem.version, postmortem.impact) == (1, "")
    assert save(client, postmortem, data, impact="x" * SECTION_MAX_LENGTH).status_code == 302


@pytest.mark.parametrize("endpoint", ["preview", "blame-check"])
def test_preview_and_blame_check_refuse_text_over_the_limit(org, login, endpoint):
    client = login(org.people.author)
    response = client.post(url(endpoint), {"section": "summary", "summary": "word " * (SECTION_MAX_LENGTH // 5 + 1)})
    assert response.status_code == 400
    assert "too long" in html(response)
    assert client.post(url(endpoint), {"section": "summary", "summary": "Fine text"}).status_code == 200


# 7. The editor's queries do not grow with its rows ------------------------------------------------------

def editor_queries(client, postmortem):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url("edit", postmortem.pk))
    assert response.status_code == 200
    return len(captured.captured_queries)


def save_queries(client, postmortem):
    data = factories.open_editor(client, url("edit", postmortem.pk))
    with CaptureQueriesContext(connection) as captured:
        response = save(client, postmortem, data)
    assert response.status_code == 302
    return len(captured.captured_queries)


def fill(postmortem, count, owners, themes):
    start = datetime(2024, 5, 1, 9, 0, tzinfo=dt_timezone.utc)
    for n in range(count):
        factories.add_timeline_event_at(postmortem, start + timedelta(minutes=n), f"Event {n}")
        factories.add_factor(postmortem, theme=themes[n % len(themes)], description=f"Factor {n}")
        factories.add_action_item(postmortem, owner=owners[n % len(owners)], title=f"Item {n}")


def test_editor_query_count_stays_flat_as_rows_grow(org, login):
    p = org.people
    themes = [factories.shared_theme("Capacity"), factories.make_theme(org.payments, "Runbook drift")]
    small = factories.make_postmortem(org.payments, authors=[p.author])
    large = factories.make_postmortem(org.payments, authors=[p.author])
    fill(small, 3, [p.member, p.lead, p.author], themes)
    fill(large, 20, [p.member, p.lead, p.author], themes)
    client = login(p.author)
    editor_queries(client, small)  # warm up per-process caches
    assert editor_queries(client, large) == editor_queries(client, small)


def test_saving_the_editor_query_count_stays_flat_as_rows_grow(org, login):
    # Shared themes only: the revision snapshot names a team theme with a query of its own (models).
    p = org.people
    themes = [factories.shared_theme("Capacity"), factories.shared_theme("Alerting")]
    small = factories.make_postmortem(org.payments, authors=[p.author])
    large = factories.make_postmortem(org.payments, authors=[p.author])
    fill(small, 3, [p.member, p.lead, p.author], themes)
    fill(large, 20, [p.member, p.lead, p.author], themes)
    client = login(p.author)
    save_queries(client, small)
    assert save_queries(client, large) == save_queries(client, small)


# 8. The revision page shows times in the reader's zone -------------------------------------------------

def test_revision_page_shows_timeline_times_in_the_readers_zone(org, incident, login):
    postmortem, _ = incident
    factories.set_profile(org.people.author, timezone="Europe/Berlin")
    client = login(org.people.author)
    factories.submit_editor(client, url("edit", postmortem.pk), **{
        "timeline-0-occurred_at": "2024-05-01T11:05", "timeline-0-description": "Alert fired"})
    page = html(client.get(url("revision", postmortem.pk, 2)))
    timeline = re.search(r'<ol class="timeline">.*?</ol>', page, re.S).group(0)
    assert "1 May 2024, 11:05" in timeline
    assert "+00:00" not in timeline and "09:05" not in timeline
