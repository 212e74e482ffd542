"""The themes page: shared and team themes, and leads adding their own."""
from postmortems.models import Theme
from tests import factories


def test_theme_use_counts_leave_out_incidents_the_reader_cannot_see(client, org):
    theme = Theme.objects.create(name="Pager rota gaps")
    hidden = factories.make_postmortem(org.payments, authors=[org.people.author], kind="people", status="published")
    factories.add_factor(hidden, theme=theme)
    client.force_login(org.people.other_team)
    html = client.get("/themes/").content.decode()
    row = html[html.index("Pager rota gaps"):]
    row = row[:row.index("</tr>")]
    assert "<td>0</td>" in row


def test_lead_adds_a_team_theme_and_a_duplicate_name_is_refused_with_the_text_kept(client, org):
    client.force_login(org.people.lead)
    url = f"/themes/{org.payments.slug}/new/"
    response = client.post(url, {"name": "Vendor contract limits", "description": "Limits we agreed to."}, follow=True)
    assert "Added the theme" in response.content.decode()
    assert Theme.objects.filter(team=org.payments, name="Vendor contract limits").exists()
    again = client.post(url, {"name": "Vendor contract limits", "description": "typed twice"})
    assert again.status_code == 200
    assert "already has a theme with that name" in again.content.decode()
    assert "typed twice" in again.content.decode()


def test_member_who_is_not_a_lead_cannot_add_team_themes(client, org):
    client.force_login(org.people.member)
    assert client.get(f"/themes/{org.payments.slug}/new/").status_code == 404


def test_theme_use_counts_match_what_each_reader_may_open(org):
    from itertools import product

    from postmortems import permissions
    from postmortems.models import ContributingFactor
    from postmortems.theme_tallies import uses_for

    themes = [Theme.objects.create(name="Bench theme A"), Theme.objects.create(name="Bench theme B")]
    people = org.people
    for n, (team, kind, status) in enumerate(product([org.payments, org.search], ["technical", "people"],
                                                      ["draft", "published"])):
        postmortem = factories.make_postmortem(team, kind=kind, status=status, authors=[people.author],
                                               viewers=[people.viewer] if n % 3 == 0 else [])
        for theme in themes[:1 + n % 2]:
            factories.add_factor(postmortem, theme=theme)
    for reader in (people.author, people.lead, people.member, people.viewer, people.other_team):
        expected = {}
        for factor in ContributingFactor.objects.select_related("postmortem").filter(theme__in=themes):
            if permissions.can_view(reader, factor.postmortem):
                expected[factor.theme_id] = expected.get(factor.theme_id, 0) + 1
        assert uses_for(reader, themes) == expected, reader.username
