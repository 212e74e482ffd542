"""A person's settings: time zone and email preferences."""
from datetime import datetime, timezone as dt_timezone

from postmortems.models import Profile
from tests import factories


def test_person_saves_time_zone_and_email_preferences(client, org):
    client.force_login(org.people.member)
    response = client.post("/settings/", {"timezone": "Asia/Kolkata", "reminders_paused": "on"}, follow=True)
    assert "Your settings are saved." in response.content.decode()
    profile = Profile.objects.get(user=org.people.member)
    assert (profile.timezone, profile.reminders_paused, profile.digest_opt_in) == ("Asia/Kolkata", True, False)


def test_unknown_time_zone_is_refused_and_nothing_changes(client, org):
    client.force_login(org.people.member)
    response = client.post("/settings/", {"timezone": "Mars/Olympus_Mons"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Profile.for_user(org.people.member).timezone == "UTC"


def test_dates_show_in_the_readers_time_zone(client, org):
    postmortem = factories.make_postmortem(
        org.payments, authors=[org.people.author],
        started_at=datetime(2026, 11, 20, 23, 30, tzinfo=dt_timezone.utc),
    )
    Profile.objects.create(user=org.people.author, timezone="Asia/Tokyo")
    client.force_login(org.people.author)
    html = client.get(postmortem.get_absolute_url()).content.decode()
    # 23:30 UTC on the 20th is 08:30 on the 21st in Tokyo.
    assert "21 Nov 2026, 08:30 JST" in html


def test_settings_need_login(client, db):
    response = client.get("/settings/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
