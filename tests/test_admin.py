"""The admin keeps restricted post-mortems restricted; the project passes Django's system checks."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.management.utils import get_random_secret_key
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.usefixtures("fast_passwords")

BASE_DIR = Path(__file__).resolve().parent.parent


def staff_with(*codenames):
    """A staff member (not superuser) in the Search team with the given model permissions."""
    user = factories.make_user(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="postmortems", codename__in=codenames))
    return user


@pytest.fixture
def incidents(org):
    """One post-mortem of each kind on each team, with a revision, a timeline event and an action item."""
    made = {
        "payments_people": factories.make_postmortem(org.payments, kind="people", title="Payments people incident",
                                                     authors=[org.people.author]),
        "payments_draft": factories.make_postmortem(org.payments, title="Payments technical draft"),
        "payments_published": factories.make_postmortem(org.payments, title="Payments technical published",
                                                        status="published"),
        "search_people": factories.make_postmortem(org.search, kind="people", title="Search people incident"),
        "search_draft": factories.make_postmortem(org.search, title="Search technical draft"),
    }
    for postmortem in made.values():
        factories.add_timeline_event(postmortem, description=f"Event of {postmortem.title}")
        factories.add_action_item(postmortem, title=f"Action of {postmortem.title}")
    return made


def changelist_titles(client, model):
    response = client.get(reverse(f"admin:postmortems_{model}_changelist"))
    assert response.status_code == 200
    return {str(obj) for obj in response.context["cl"].result_list}


@pytest.mark.django_db
def test_every_model_is_registered_in_the_admin():
    missing = [model.__name__ for model in apps.get_app_config("postmortems").get_models()
               if not admin.site.is_registered(model)]
    assert missing == []


ALL_MODEL_PERMISSIONS = [
    f"{action}_{model}" for action in ("view", "add", "change", "delete")
    for model in ("postmortem", "revision", "timelineevent", "actionitem", "contributingfactor", "membership")
]


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", [
    "admin:index",
    "admin:postmortems_postmortem_changelist",
    "admin:postmortems_postmortem_add",
    "admin:postmortems_actionitem_add",
    "admin:postmortems_membership_add",
])
def test_staff_who_are_not_superusers_cannot_use_the_admin(org, incidents, client, url_name):
    # The admin shows restricted incidents and bypasses the app's rules, so model
    # permissions alone must not open it.
    staff = staff_with(*ALL_MODEL_PERMISSIONS)
    factories.add_member(org.search, staff)
    client.force_login(staff)
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.django_db
def test_staff_cannot_add_an_action_item_to_a_restricted_incident_through_the_admin(incidents, client):
    staff = staff_with(*ALL_MODEL_PERMISSIONS)
    client.force_login(staff)
    hidden = incidents["payments_people"]
    response = client.post(reverse("admin:postmortems_actionitem_add"), {
        "postmortem": hidden.pk, "title": "Planted", "priority": "medium", "status": "open",
        "created_at_0": "2026-11-01", "created_at_1": "10:00",
    })
    assert response.status_code == 302
    assert not hidden.action_items.filter(title="Planted").exists()


@pytest.mark.django_db
def test_superuser_sees_every_post_mortem_in_the_admin(incidents, client):
    client.force_login(factories.make_user(is_staff=True, is_superuser=True))
    assert changelist_titles(client, "postmortem") == {postmortem.title for postmortem in incidents.values()}


@pytest.mark.django_db
def test_superuser_can_open_a_people_incident_in_the_admin(incidents, client):
    client.force_login(factories.make_user(is_staff=True, is_superuser=True))
    response = client.get(reverse("admin:postmortems_postmortem_change", args=[incidents["search_people"].pk]))
    assert response.status_code == 200
    assert "Search people incident" in response.content.decode()


@pytest.mark.django_db
def test_non_staff_are_sent_to_the_admin_login(org, client):
    client.force_login(org.people.lead)
    response = client.get(reverse("admin:postmortems_postmortem_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# System checks ------------------------------------------------------------------------------

def manage(*args, **env):
    # A deployment has neither the browser tests' async switch nor the test database.
    base = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, capture_output=True, text=True, timeout=120,
        env={**base, **env},
    )


def test_system_check_passes():
    result = manage("check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


PRODUCTION = {"DEBUG": "false", "ALLOWED_HOSTS": "debrief.example.com"}


def python(code, **env):
    base = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, capture_output=True, text=True, timeout=120,
        env={**base, **env},
    )


def test_deploy_check_passes_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, SECRET_KEY=get_random_secret_key())
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_check_passes_behind_a_proxy_that_sets_x_forwarded_proto():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, SECRET_KEY=get_random_secret_key(),
                    SECURE_PROXY_SSL_HEADER="true")
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_check_fails_without_a_secret_key():
    result = manage("check", "--deploy", **PRODUCTION, SECRET_KEY="")
    assert result.returncode != 0
    assert "debrief.E001" in result.stderr + result.stdout


def test_production_refuses_to_serve_without_a_secret_key():
    result = python("import config.wsgi", **PRODUCTION, SECRET_KEY="")
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


def test_production_serves_with_a_secret_key():
    result = python("import config.wsgi, config.asgi", **PRODUCTION, SECRET_KEY=get_random_secret_key())
    assert result.returncode == 0, result.stderr


def test_blamecheck_runs_with_no_configuration_at_all():
    # The scorer and command-line users run it on a bare checkout: no SECRET_KEY, no DEBUG.
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "SECRET_KEY", "DEBUG"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "blamecheck", "--jsonl"], cwd=BASE_DIR, capture_output=True, text=True,
        timeout=120, env=env, input='{"id": "a", "text": "The new hire was careless."}\n',
    )
    assert result.returncode == 1, result.stderr
    assert '"id": "a"' in result.stdout and "loaded_judgement" in result.stdout


def test_development_may_use_the_fallback_secret_key():
    result = manage("check", DEBUG="true", SECRET_KEY="")
    assert result.returncode == 0, result.stdout + result.stderr


def test_x_forwarded_proto_is_trusted_only_when_configured():
    show = ["shell", "-v", "0", "-c", "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)"]
    plain = manage(*show, **PRODUCTION, SECRET_KEY=get_random_secret_key())
    proxied = manage(*show, **PRODUCTION, SECRET_KEY=get_random_secret_key(), SECURE_PROXY_SSL_HEADER="true")
    assert plain.stdout.strip() == "None", plain.stdout + plain.stderr
    assert proxied.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')", proxied.stdout + proxied.stderr
