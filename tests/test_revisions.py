"""Every save is a version: revisions, their diffs, restoring, and concurrent edits."""
import re
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
from django.urls import reverse

from postmortems.models import Revision
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=dt_timezone.utc)


def url(name, *args):
    return reverse(f"postmortems:{name}", args=args)


def html(response):
    return response.content.decode()


@pytest.fixture
def draft(org):
    """A Payments technical draft written by the author, at version 1."""
    return factories.make_postmortem(
        org.payments, title="Checkout timeouts", summary="Checkout failed.\nRollback fixed it.",
        authors=[org.people.author],
    )


def restore(client, postmortem, version):
    """Press "Restore this version" as the revision page renders it (with the version seen)."""
    page = html(client.get(url("revision", postmortem.pk, version)))
    seen = re.search(r'name="version" value="(\d+)"', page)
    return client.post(url("revision-restore", postmortem.pk, version), {"version": seen.group(1) if seen else ""})


def edit(client, postmortem, action="save", **changes):
    response, _ = factories.submit_editor(client, url("edit", postmortem.pk), action, **changes)
    assert response.status_code == 302, html(response)[:2000]
    postmortem.refresh_from_db()
    return postmortem.revisions.get(version=postmortem.version)


# Each save records a revision ------------------------------------------------------------

def test_each_save_adds_one_revision_and_bumps_the_version(org, draft, login):
    client = login(org.people.author)
    edit(client, draft, summary="Second")
    edit(client, draft, summary="Third")
    assert draft.version == 3
    assert list(draft.revisions.values_list("version", flat=True)) == [3, 2, 1]


def test_revision_records_who_saved_it(org, draft, login):
    revision = edit(login(org.people.lead), draft, summary="The lead's wording")
    assert revision.author == org.people.lead


def test_changing_one_section_records_only_that_field(org, draft, login):
    revision = edit(login(org.people.author), draft, impact="12,000 checkouts failed")
    assert revision.changed_fields == ["impact"]


def test_changing_title_and_severity_records_both(org, draft, login):
    revision = edit(login(org.people.author), draft, title="Checkout outage", severity="1")
    assert revision.changed_fields == ["severity", "title"]


def test_adding_a_timeline_event_records_the_timeline_as_changed(org, draft, login):
    revision = edit(login(org.people.author), draft, **{
        "timeline-0-occurred_at": "2024-05-01T09:05", "timeline-0-description": "Alert fired",
    })
    assert revision.changed_fields == ["timeline"]
    assert revision.snapshot["timeline"][0]["description"] == "Alert fired"


def test_adding_a_factor_records_the_factors_as_changed(org, draft, login):
    revision = edit(login(org.people.author), draft, **{
        "factors-0-theme": str(factories.shared_theme("Capacity").pk), "factors-0-description": "Pool too small",
    })
    assert revision.changed_fields == ["factors"]


def test_setting_incident_times_records_them_as_changed(org, draft, login):
    revision = edit(login(org.people.author), draft, started_at="2024-05-01T09:00", resolved_at="2024-05-01T09:40")
    assert revision.changed_fields == ["resolved_at", "started_at"]


def test_submitting_for_review_records_the_status_change(org, draft, login):
    revision = edit(login(org.people.author), draft, "review")
    assert revision.changed_fields == ["status"]


def test_status_button_records_a_revision_with_the_status_change(org, draft, login):
    login(org.people.author).post(url("status", draft.pk), {"status": "review", "version": 1})
    assert draft.revisions.get(version=2).changed_fields == ["status"]


def test_saving_without_changes_records_a_version_with_no_changed_fields(org, draft, login):
    factories.add_timeline_event_at(draft, T0, "Alert fired")
    revision = edit(login(org.people.author), draft)
    assert revision.changed_fields == ["timeline"]  # the event was added outside the editor since version 1
    revision = edit(login(org.people.author), draft)
    assert revision.changed_fields == []


# Viewing a revision ------------------------------------------------------------------------

def test_revision_page_shows_removed_and_added_lines(org, draft, login):
    client = login(org.people.author)
    edit(client, draft, summary="Checkout failed.\nA config revert fixed it.")
    page = html(client.get(url("revision", draft.pk, 2)))
    assert re.search(r'diff-del">.*Removed: .*Rollback fixed it\.</p>', page)
    assert re.search(r'diff-add">.*Added: .*A config revert fixed it\.</p>', page)
    assert re.search(r'<p class="diff-line ">.*Checkout failed\.</p>', page)
    assert "Changed: summary." in page


def test_revision_page_only_diffs_fields_that_changed(org, draft, login):
    client = login(org.people.author)
    edit(client, draft, impact="Many failures")
    page = html(client.get(url("revision", draft.pk, 2)))
    assert "Rollback fixed it" not in re.search(r'id="changes-heading".*?</section>', page, re.S).group(0)


def test_old_revision_shows_the_document_as_it_was(org, draft, login):
    client = login(org.people.author)
    edit(client, draft, summary="Entirely rewritten")
    page = html(client.get(url("revision", draft.pk, 1)))
    assert "Rollback fixed it." in page
    assert "Entirely rewritten" not in page


def test_unknown_revision_is_404(org, draft, login):
    assert login(org.people.author).get(url("revision", draft.pk, 9)).status_code == 404


# Restoring ------------------------------------------------------------------------------------

@pytest.fixture
def rewritten(org, draft, login):
    """Version 2 has a timeline event and a factor; version 3 rewrote the text and dropped both."""
    client = login(org.people.author)
    edit(client, draft, summary="Original words", **{
        "timeline-0-occurred_at": "2024-05-01T09:05", "timeline-0-description": "Alert fired",
        "factors-0-theme": str(factories.shared_theme("Capacity").pk), "factors-0-description": "Pool too small",
    })
    edit(client, draft, title="Renamed", summary="Rewritten words", **{
        "timeline-0-DELETE": "on", "factors-0-DELETE": "on",
    })
    assert (draft.version, draft.timeline_events.count(), draft.factors.count()) == (3, 0, 0)
    return draft


def test_restore_brings_back_the_earlier_text(org, rewritten, login):
    restore(login(org.people.author), rewritten, 2)
    rewritten.refresh_from_db()
    assert (rewritten.title, rewritten.summary) == ("Checkout timeouts", "Original words")


def test_restore_brings_back_the_earlier_timeline_and_factors(org, rewritten, login):
    restore(login(org.people.author), rewritten, 2)
    assert [(e.occurred_at, e.description) for e in rewritten.timeline_events.all()] == [
        (T0 + timedelta(minutes=5), "Alert fired")]
    assert [(f.theme.name, f.description) for f in rewritten.factors.all()] == [("Capacity", "Pool too small")]


def test_restore_is_saved_as_a_new_version_and_keeps_history(org, rewritten, login):
    response = restore(login(org.people.author), rewritten, 2)
    rewritten.refresh_from_db()
    assert response.status_code == 302
    assert rewritten.version == 4
    assert list(rewritten.revisions.values_list("version", flat=True)) == [4, 3, 2, 1]
    assert rewritten.revisions.get(version=3).snapshot["summary"] == "Rewritten words"
    latest = rewritten.revisions.get(version=4)
    assert latest.note == "Restored version 2"
    assert latest.author == org.people.author
    assert set(latest.changed_fields) == {"title", "summary", "timeline", "factors"}


def test_restore_keeps_the_current_status_and_viewers(org, login):
    postmortem = factories.make_postmortem(org.payments, kind="people", authors=[org.people.author],
                                           viewers=[org.people.viewer])
    client = login(org.people.author)
    edit(client, postmortem, "publish", summary="Published words")
    restore(client, postmortem, 1)
    postmortem.refresh_from_db()
    assert postmortem.status == "published"
    assert list(postmortem.viewers.all()) == [org.people.viewer]


def test_team_lead_may_restore(org, rewritten, login):
    assert restore(login(org.people.lead), rewritten, 2).status_code == 302
    rewritten.refresh_from_db()
    assert rewritten.summary == "Original words"


def test_team_member_who_cannot_edit_gets_403_on_restore(org, rewritten, login):
    response = restore(login(org.people.member), rewritten, 2)
    rewritten.refresh_from_db()
    assert response.status_code == 403
    assert (rewritten.version, rewritten.summary) == (3, "Rewritten words")


def test_restore_requires_post(org, rewritten, login):
    assert login(org.people.author).get(url("revision-restore", rewritten.pk, 2)).status_code == 405


def test_restore_button_is_offered_to_editors_on_older_versions_only(org, rewritten, login):
    client = login(org.people.author)
    assert "Restore this version" in html(client.get(url("revision", rewritten.pk, 2)))
    assert "Restore this version" not in html(client.get(url("revision", rewritten.pk, 3)))
    assert "Restore this version" not in html(login(org.people.member).get(url("revision", rewritten.pk, 2)))


# Two people editing the same version ----------------------------------------------------------

@pytest.fixture
def conflict(org, draft, login):
    """Ada and Lin both open the editor at version 1; Ada saves first, then Lin saves."""
    ada, lin = login(org.people.author), login(org.people.lead)
    edit_url = url("edit", draft.pk)
    ada_form = factories.form_fields(html(ada.get(edit_url)))
    lin_form = factories.form_fields(html(lin.get(edit_url)))
    assert ada_form["version"] == lin_form["version"] == "1"

    first = ada.post(edit_url, {**ada_form, "summary": "Ada's account of the rollback", "action": "save"})
    second = lin.post(edit_url, {**lin_form, "summary": "Lin's account of the pool change",
                                 "lessons": "Lin's lesson", "action": "save"})
    return {"first": first, "second": second, "lin": lin, "url": edit_url, "postmortem": draft}


def test_first_of_two_concurrent_saves_wins(conflict):
    assert conflict["first"].status_code == 302
    conflict["postmortem"].refresh_from_db()
    assert conflict["postmortem"].summary == "Ada's account of the rollback"


def test_second_concurrent_save_gets_409(conflict):
    assert conflict["second"].status_code == 409


def test_conflict_page_shows_both_versions(conflict):
    page = html(conflict["second"])
    assert "Someone else saved this post-mortem while you were editing" in page
    assert "Ada&#x27;s account of the rollback" in page
    assert "Lin&#x27;s account of the pool change" in page
    assert "Version 2 was saved by Ada Okafor" in page


def test_conflict_saves_nothing_of_the_second_edit(conflict):
    postmortem = conflict["postmortem"]
    postmortem.refresh_from_db()
    assert postmortem.version == 2
    assert postmortem.lessons == ""
    assert postmortem.revisions.count() == 2
    assert not postmortem.authors.filter(pk=conflict["second"].wsgi_request.user.pk).exists()


def test_conflict_form_keeps_the_second_authors_text_and_carries_the_new_version(conflict):
    form = factories.form_fields(html(conflict["second"]))
    assert form["version"] == "2"
    assert form["summary"] == "Lin's account of the pool change"
    assert form["lessons"] == "Lin's lesson"


def test_resubmitting_the_conflict_form_saves_over_the_newer_version(conflict):
    form = factories.form_fields(html(conflict["second"]))
    response = conflict["lin"].post(conflict["url"], {**form, "action": "save"})
    postmortem = conflict["postmortem"]
    postmortem.refresh_from_db()
    assert response.status_code == 302
    assert (postmortem.version, postmortem.summary, postmortem.lessons) == (
        3, "Lin's account of the pool change", "Lin's lesson")
    assert sorted(postmortem.revisions.get(version=3).changed_fields) == ["lessons", "summary"]


def test_a_stale_version_is_refused_even_when_nothing_differs_in_the_text(org, draft, login):
    client = login(org.people.author)
    stale = factories.form_fields(html(client.get(url("edit", draft.pk))))
    edit(client, draft, impact="Updated impact")
    response = client.post(url("edit", draft.pk), {**stale, "impact": "Updated impact", "action": "save"})
    assert response.status_code == 409
    assert Revision.objects.filter(postmortem=draft).count() == 2
