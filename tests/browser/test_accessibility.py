"""axe-core (from npm) finds no serious or critical WCAG 2 A/AA problems on the main pages."""
from pathlib import Path

import pytest

from tests import factories

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page):
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}})"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def written(org):
    postmortem = factories.make_postmortem(
        org.payments, authors=[org.people.author], status="published", title="Queue backlog during the sale",
        impact="| region | failed |\n|---|---|\n| EU | 120 |",
    )
    factories.add_timeline_event(postmortem)
    factories.add_factor(postmortem)
    factories.add_action_item(postmortem, owner=org.people.lead)
    factories.add_action_item(postmortem, owner=org.people.member, title="Overdue follow-up", due_in_days=-3)
    return postmortem


@pytest.mark.parametrize("path", [
    "/",
    "/?kind=technical&q=nothing-matches",
    "/postmortems/new/",
    "/postmortems/new/?kind=technical",
    "/postmortems/new/?kind=people",
    "/postmortems/{pk}/",
    "/postmortems/{pk}/edit/",
    "/postmortems/{pk}/revisions/1/",
    "/themes/",
    "/settings/",
    "/actions/",
    "/actions/?status=overdue",
    "/actions/?status=done&priority=low",
    "/actions/mine/?status=all",
    "/digest/",
    "/trends/",
    "/trends/?period=custom&from=2020-01-01&to=2020-03-31&kind=people",
    "/?from=2020-01-01&to=2030-12-31",
])
def test_page_has_no_serious_accessibility_violations(page, log_in, org, written, path):
    log_in(org.people.author)
    page.goto(path.format(pk=written.pk))
    assert axe_violations(page) == []


def test_login_page_has_no_serious_accessibility_violations(page):
    page.goto("/accounts/login/")
    assert axe_violations(page) == []


def test_unsubscribe_page_has_no_serious_accessibility_violations(page, org):
    from postmortems.digest import unsubscribe_token

    page.goto(f"/digest/unsubscribe/{unsubscribe_token(org.people.member)}/")
    assert axe_violations(page) == []


@pytest.mark.parametrize("path", ["/postmortems/999999/", "/themes/no-such-team/new/"])
def test_not_found_page_has_no_serious_accessibility_violations(page, log_in, org, path):
    log_in(org.people.member)
    page.goto(path)
    assert axe_violations(page) == []


def test_publish_review_panel_has_no_serious_accessibility_violations(page, log_in, org):
    draft = factories.make_postmortem(org.payments, authors=[org.people.author], title="Draft with wording")
    log_in(org.people.author)
    page.goto(f"/postmortems/{draft.pk}/edit/")
    page.locator("#id_impact").fill("The new hire was careless and should have checked the runbook.")
    page.get_by_role("button", name="Save and publish").click()
    page.locator("#publish-review").wait_for()
    assert axe_violations(page) == []


def test_edit_conflict_page_has_no_serious_accessibility_violations(page, log_in, org, written):
    from postmortems.models import PostMortem

    log_in(org.people.author)
    page.goto(f"/postmortems/{written.pk}/edit/")
    PostMortem.objects.filter(pk=written.pk).update(version=written.version + 1, summary="Saved meanwhile.")
    page.locator("#id_summary").fill("My own summary")
    page.get_by_role("button", name="Save", exact=True).click()
    page.locator("#edit-conflict").wait_for()
    assert axe_violations(page) == []


@pytest.mark.parametrize("path", ["/feedback/", "/feedback/?status=all", "/feedback/vocabulary/"])
def test_feedback_pages_have_no_serious_accessibility_violations(page, log_in, org, written, path):
    factories.add_feedback(written, by=org.people.author, note="Sam is our deploy bot.")
    factories.add_feedback(written, by=org.people.author, kind="is_blame", category="", sentence="Kim broke it.",
                           status="accepted", reviewed_by=org.people.lead)
    factories.add_term("Simple", by=org.people.lead)
    factories.add_term("rookie", action="flag", category="loaded_judgement", note="Say what was done.")
    log_in(org.people.lead)
    page.goto(path)
    assert axe_violations(page) == []


def test_editor_with_feedback_controls_open_has_no_serious_accessibility_violations(page, log_in, org):
    draft = factories.make_postmortem(org.payments, authors=[org.people.author], summary="Sam should have rolled back.")
    log_in(org.people.author)
    page.goto(f"/postmortems/{draft.pk}/edit/")
    page.locator("#blame-summary mark.blame-mark").focus()
    page.locator("#missed-summary summary").click()
    assert axe_violations(page) == []


# Accounts: sign-in safety, two-factor, teams and organisation pages ------------------------------

def _two_factor_user():
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts import two_factor

    user = factories.make_user()
    device = TOTPDevice.objects.create(user=user, name=two_factor.APP_DEVICE_NAME, confirmed=True)
    return user, device


def _code(device):
    from django_otp.oath import TOTP

    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():0{device.digits}d}"


@pytest.fixture
def org_admin(org):
    from accounts.roles import make_org_admin

    admin = factories.make_user("olga", first_name="Olga", last_name="Admin")
    make_org_admin(admin)
    return admin


@pytest.mark.parametrize("path", ["/accounts/password/reset/", "/accounts/password/reset/sent/",
                                  "/accounts/password/reset/done/", "/accounts/password/reset/MQ/bad-token/"])
def test_password_reset_pages_have_no_serious_accessibility_violations(page, db, path):
    page.goto(path)
    assert axe_violations(page) == []


def test_password_reset_set_password_page_has_no_serious_accessibility_violations(page, db):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = factories.make_user()
    page.goto(f"/accounts/password/reset/{urlsafe_base64_encode(force_bytes(user.pk))}/"
              f"{default_token_generator.make_token(user)}/")
    page.locator("input[type=password]").first.wait_for()
    assert axe_violations(page) == []


def test_lockout_page_has_no_serious_accessibility_violations(page, db, settings):
    settings.LOGIN_SLOWDOWN_AFTER = 1000
    user = factories.make_user()
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill("wrong-password")
        page.get_by_role("button", name="Log in").click()
    page.get_by_text("Sign-in is locked").wait_for()
    assert axe_violations(page) == []


def test_two_factor_enrolment_and_backup_codes_have_no_serious_accessibility_violations(page, log_in, db):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = factories.make_user()
    log_in(user)
    page.goto("/accounts/two-factor/")
    assert axe_violations(page) == []
    page.locator("#id_code").fill(_code(TOTPDevice.objects.get(user=user)))
    page.get_by_role("button", name="Turn on two-factor").click()
    page.get_by_text("Each works once").wait_for()
    assert axe_violations(page) == []


def test_two_factor_code_step_and_settings_have_no_serious_accessibility_violations(page, log_in, db):
    user, device = _two_factor_user()
    log_in(user)
    page.wait_for_url("**/accounts/login/code/")
    assert axe_violations(page) == []
    page.locator("#id_code").fill(_code(device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/")
    page.goto("/accounts/two-factor/")
    assert axe_violations(page) == []


@pytest.mark.parametrize("path", ["/organisation/", "/organisation/audit/", "/organisation/locks/",
                                  "/organisation/two-factor/", "/teams/", "/teams/{slug}/"])
def test_organisation_pages_have_no_serious_accessibility_violations(page, log_in, org, org_admin, path):
    from axes.models import AccessAttempt
    from django.conf import settings
    from django.utils import timezone

    from accounts import invitations

    invitations.invite(org.payments, ["new.person@example.test"], "member", by=org.people.lead)
    AccessAttempt.objects.create(username=org.people.member.username, ip_address="10.0.0.9", user_agent="test",
                                 failures_since_start=settings.AXES_FAILURE_LIMIT, attempt_time=timezone.now())
    log_in(org_admin)
    page.goto(path.format(slug=org.payments.slug))
    assert axe_violations(page) == []


def test_team_page_for_a_member_has_no_serious_accessibility_violations(page, log_in, org):
    log_in(org.people.member)
    page.goto(f"/teams/{org.payments.slug}/")
    assert axe_violations(page) == []


@pytest.mark.parametrize("address", ["new.person@example.test", "nia@example.test"])
def test_invitation_pages_have_no_serious_accessibility_violations(page, org, address):
    from accounts import invitations

    invitation = invitations.invite(org.payments, [address], "member", by=org.people.lead).invited[0]
    page.goto(f"/invitations/{invitations.link_token(invitation)}/")
    assert axe_violations(page) == []
