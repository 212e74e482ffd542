"""A real OpenID Provider (npm `oidc-provider`, tests/oidc/provider.mjs) on loopback, and Debrief set up to use it.

Test modules import the fixtures they use from here. The provider signs with a key the tests
generate, so a test can also sign tokens with the very key the provider publishes (to show that
only the wrong issuer, audience or expiry gets a token refused) or with one it does not.
"""
import json
import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]
PROVIDER_SCRIPT = Path(__file__).with_name("provider.mjs")
CLIENT_ID = "debrief"
CLIENT_SECRET = "debrief-test-secret"
KEY_ID = "test-key"
TEAM_MAP = "platform-leads=platform:lead,platform=platform:member"


def node_or_skip():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the OpenID Provider tests run oidc-provider under Node")
    if not (ROOT / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("node_modules/oidc-provider is missing: run `npm ci` (scripts/test does)")
    return node


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def new_signing_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_jwks(key):
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key, as_dict=True)
    jwk.update(kid=KEY_ID, alg="RS256", use="sig")
    return {"keys": [jwk]}


def start_provider(tmp_path, *, redirect_uris, key, id_token_ttl=600):
    """Start provider.mjs on a free loopback port and wait until its discovery document answers."""
    node = node_or_skip()
    port = free_port()
    jwks_file = tmp_path / f"jwks-{port}.json"
    jwks_file.write_text(json.dumps(private_jwks(key)))
    env = {
        "PATH": "/usr/bin:/bin", "OIDC_TEST_PORT": str(port), "OIDC_TEST_JWKS_FILE": str(jwks_file),
        "OIDC_TEST_REDIRECT_URIS": ",".join(redirect_uris), "OIDC_TEST_CLIENT_ID": CLIENT_ID,
        "OIDC_TEST_CLIENT_SECRET": CLIENT_SECRET, "OIDC_TEST_ID_TOKEN_TTL": str(id_token_ttl),
    }
    process = subprocess.Popen([node, str(PROVIDER_SCRIPT)], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    issuer = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"oidc-provider exited: {process.stdout.read()}")
        try:
            if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1).ok:
                return SimpleNamespace(issuer=issuer, port=port, process=process, key=key)
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("oidc-provider did not answer its discovery URL within 15 s")


def stop_provider(provider):
    provider.process.terminate()
    try:
        provider.process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        provider.process.kill()
        provider.process.wait()
    provider.process.stdout.close()


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """One provider for the Django test client's tests (redirect URI http://testserver/oidc/callback/)."""
    provider = start_provider(tmp_path_factory.mktemp("oidc"), key=new_signing_key(),
                              redirect_uris=["http://testserver/oidc/callback/"])
    yield provider
    stop_provider(provider)


def use_provider(settings, provider, *, only=False):
    """Point Debrief's settings at provider, as the environment would (config/settings.py)."""
    settings.OIDC_ISSUER = provider.issuer
    settings.OIDC_PROVIDER_NAME = "Test IdP"
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_RP_SCOPES = "openid email profile groups"
    settings.OIDC_ALLOWED_DOMAINS = ["example.com"]
    settings.OIDC_TEAMS_CLAIM = "groups"
    settings.OIDC_TEAM_MAP = TEAM_MAP
    settings.OIDC_ONLY = only
    password_backend = "accounts.sso.PasswordBackend" if only else "django.contrib.auth.backends.ModelBackend"
    settings.AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", password_backend, "accounts.sso.SSOBackend"]


@pytest.fixture
def sso(settings, oidc_provider, fast_passwords):
    """Debrief signing in through the session's provider."""
    use_provider(settings, oidc_provider)
    return oidc_provider


def sign_in_at_provider(authorize_url, login, *, stop_at):
    """Go through the provider's own login and consent pages as `login`; return the redirect back to us."""
    browser = requests.Session()
    response = browser.get(authorize_url, allow_redirects=False)
    for _ in range(10):
        location = response.headers.get("Location", "")
        if location.startswith(stop_at):
            return location
        if response.is_redirect:
            response = browser.get(requests.compat.urljoin(response.url, location), allow_redirects=False)
        elif 'name="prompt" value="login"' in response.text:
            response = browser.post(response.url, data={"prompt": "login", "login": login, "password": "any"}, allow_redirects=False)
        elif 'name="prompt" value="consent"' in response.text:
            response = browser.post(response.url, data={"prompt": "consent"}, allow_redirects=False)
        else:
            raise AssertionError(f"unexpected page from the provider: {response.status_code} {response.text[:500]}")
    raise AssertionError("the provider never redirected back")
