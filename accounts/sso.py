"""Single sign-on with OpenID Connect: provider discovery, ID-token checks, just-in-time accounts.

mozilla-django-oidc runs the authorization-code flow (state, nonce, PKCE, the token request); this
module adds what it leaves out: discovery from OIDC_ISSUER, the issuer/audience/expiry checks on
the ID token, the allowed-domain rule, and team memberships from a claim (OIDC_TEAMS_CLAIM mapped
through OIDC_TEAM_MAP). Everything a person may be refused for raises SSORefused with the
sentence the refusal page shows them.
"""
import functools
import logging
import re
import zoneinfo

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from accounts import audit
from accounts.teams import LastLeadError, add_member, remove_member, set_role
from postmortems.models import Membership, Profile, Team

logger = logging.getLogger(__name__)

# Provider clocks drift a little; a minute is the usual allowance for exp/iat/nbf.
CLOCK_SKEW_SECONDS = 60

# mozilla-django-oidc setting -> key of the provider's discovery document.
DISCOVERED_SETTINGS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}


class SSORefused(Exception):
    """A single sign-on attempt Debrief refuses; str(exc) is what the person is told."""


def is_enabled():
    return bool(getattr(settings, "OIDC_ISSUER", ""))


def login_options(request):
    """Template context for the login page: whether to offer single sign-on, and only that."""
    return {
        "sso_enabled": is_enabled(),
        "sso_only": is_enabled() and settings.OIDC_ONLY,
        "sso_provider_name": settings.OIDC_PROVIDER_NAME,
    }


@functools.lru_cache(maxsize=8)
def discovery(issuer):
    """The provider's discovery document, fetched once per process (failures are not cached)."""
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        logger.warning("OpenID discovery at %s failed: %s", url, exc)
        raise SSORefused("Debrief could not reach the sign-in provider. Please try again in a minute.") from exc
    # OpenID Connect Discovery 1.0 §4.3: the document must name exactly the issuer it was fetched for.
    if document.get("issuer") != issuer:
        logger.error("OpenID discovery at %s names issuer %r, not %r", url, document.get("issuer"), issuer)
        raise SSORefused("The sign-in provider's configuration does not match Debrief's (issuer URL).")
    return document


def provider_setting(attr, *default):
    """mozilla-django-oidc's settings lookup, with the provider's endpoints taken from discovery."""
    if attr in DISCOVERED_SETTINGS:
        return discovery(settings.OIDC_ISSUER).get(DISCOVERED_SETTINGS[attr], *default)
    return import_from_settings(attr, *default)


def parse_team_map(text):
    """"platform-leads=platform:lead,platform=platform:member" -> [(claim value, team slug, role)]."""
    entries = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        value, _, target = item.rpartition("=")
        slug, _, role = target.partition(":")
        role = role or Membership.Role.MEMBER
        if not value or not slug or role not in Membership.Role.values:
            raise ImproperlyConfigured(f"OIDC_TEAM_MAP entry {item!r} is not claim-value=team-slug:member|lead")
        entries.append((value.strip(), slug.strip(), role))
    return entries


def email_is_verified(claims):
    if settings.OIDC_ASSUME_EMAIL_VERIFIED:
        return True
    # Some providers send the boolean as a string.
    return claims.get("email_verified") in (True, "true", "True")


def check_person_allowed(claims):
    """Refuse people without a verified email address in one of OIDC_ALLOWED_DOMAINS."""
    email = (claims.get("email") or "").strip()
    if "@" not in email:
        raise SSORefused("The sign-in provider did not tell Debrief your email address, so it cannot sign you in.")
    if not email_is_verified(claims):
        raise SSORefused(f"The sign-in provider has not confirmed that {email} is your address, so Debrief cannot sign you in with it.")
    domain = email.rpartition("@")[2].lower()
    allowed = settings.OIDC_ALLOWED_DOMAINS
    if "*" not in allowed and domain not in allowed:
        raise SSORefused(f"Accounts at {domain} may not sign in to Debrief. Ask your Debrief administrator if you should have access.")
    return email


def unique_username(email):
    """A username from the email's local part, made unique with a number: ada, ada-2, ada-3…"""
    User = get_user_model()
    base = re.sub(r"[^\w.+-]", "", email.partition("@")[0], flags=re.ASCII)[:140] or "person"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def names_from(claims):
    first, last = claims.get("given_name") or "", claims.get("family_name") or ""
    if not (first or last) and claims.get("name"):
        first, _, last = claims["name"].strip().partition(" ")
    return first.strip()[:150], last.strip()[:150]


def time_zone_from(claims):
    zone = claims.get("zoneinfo")
    return zone if zone in zoneinfo.available_timezones() else settings.TIME_ZONE


def find_or_create_account(claims, *, request=None):
    """The account for these (already allowed) claims: matched by verified email, else created."""
    User = get_user_model()
    email = check_person_allowed(claims)
    matches = list(User.objects.filter(email__iexact=email)[:2])
    if len(matches) > 1:
        raise SSORefused(f"More than one Debrief account uses {email}. Ask your Debrief administrator to merge them.")
    if matches:
        user = matches[0]
        if not user.is_active:
            raise SSORefused("Your Debrief account has been deactivated. Ask your Debrief administrator if that is a mistake.")
        update_account(user, claims, request=request)
        return user
    return create_account(email, claims, request=request)


def create_account(email, claims, *, request=None):
    first, last = names_from(claims)
    user = get_user_model().objects.create_user(
        username=unique_username(email), email=email, password=None, first_name=first, last_name=last,
    )
    Profile.objects.update_or_create(user=user, defaults={"timezone": time_zone_from(claims)})
    audit.record("account.created", f"Account {user.get_username()} created at first single sign-on",
                 request=request, target_user=user, via="sso", subject=str(claims.get("sub", "")))
    return user


def update_account(user, claims, *, request=None):
    """Bring name and email spelling up to date with the provider (time zone stays the person's choice)."""
    first, last = names_from(claims)
    wanted = {"first_name": first or user.first_name, "last_name": last or user.last_name, "email": claims["email"].strip()}
    changed = [field for field, value in wanted.items() if getattr(user, field) != value]
    if not changed:
        return
    for field in changed:
        setattr(user, field, wanted[field])
    user.save(update_fields=changed)
    audit.record("account.updated", f"Account {user.get_username()} updated from single sign-on ({', '.join(changed)})",
                 request=request, target_user=user, via="sso", fields=changed)


def roles_from_claims(claims):
    """{team slug: role} the claim grants, a lead entry beating a member one; None when not configured or absent.

    An absent claim leaves memberships alone: providers drop group claims that grow too large
    (Entra ID's "overage"), and that must not take everyone off their teams.
    """
    claim = settings.OIDC_TEAMS_CLAIM
    if not claim or claim not in claims:
        return None
    values = claims[claim]
    values = {values} if isinstance(values, str) else set(values or ())
    roles = {}
    for value, slug, role in parse_team_map(settings.OIDC_TEAM_MAP):
        if value in values and roles.get(slug) != Membership.Role.LEAD:
            roles[slug] = role
    return roles


def sync_memberships(user, claims, *, request=None):
    """Make the person's memberships of the mapped teams match the claim; other teams are left alone."""
    wanted = roles_from_claims(claims)
    if wanted is None:
        return
    mapped_slugs = {slug for _, slug, _ in parse_team_map(settings.OIDC_TEAM_MAP)}
    teams = {team.slug: team for team in Team.objects.filter(slug__in=mapped_slugs)}
    for slug in set(wanted) - set(teams):
        logger.warning("OIDC_TEAM_MAP names team %r, which does not exist", slug)
    current = {m.team.slug: m for m in Membership.objects.filter(user=user, team__slug__in=mapped_slugs).select_related("team", "user")}
    try:
        with transaction.atomic():
            for slug, team in teams.items():
                apply_role(user, team, current.get(slug), wanted.get(slug), request=request)
    except LastLeadError as exc:
        # The team rule wins over the provider: someone else has to be made lead first.
        logger.warning("Single sign-on left %s's memberships unchanged: %s", user.get_username(), exc)


def apply_role(user, team, membership, role, *, request=None):
    if membership is None and role:
        add_member(team, user, role, by=None, request=request)
    elif membership is not None and role is None:
        remove_member(membership, by=None, request=request)
    elif membership is not None and membership.role != role:
        set_role(membership, role, by=None, request=request)


class SSOBackend(OIDCAuthenticationBackend):
    """Signs people in from the provider's ID token; only the SSO callback view reaches it."""

    get_settings = staticmethod(provider_setting)

    def __init__(self, *args, **kwargs):
        # Django builds every backend for every password sign-in too; the provider is only
        # contacted (discovery) when a single sign-on callback actually arrives.
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        # The callback view always passes a code_verifier (PKCE); a password sign-in never does.
        if request is None or not is_enabled() or "code_verifier" not in kwargs:
            return None
        super().__init__()
        return super().authenticate(request, **kwargs)

    def get_user(self, user_id):
        # ModelBackend's version, which (unlike mozilla-django-oidc's) refuses deactivated people.
        return ModelBackend.get_user(self, user_id)

    def retrieve_matching_jwk(self, token):
        """The provider's published key for this token's kid and algorithm."""
        header = jwt.get_unverified_header(token)
        response = requests.get(self.OIDC_OP_JWKS_ENDPOINT, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        for key in response.json().get("keys", []):
            if key.get("use", "sig") != "sig" or key.get("alg", header.get("alg")) != header.get("alg"):
                continue
            if header.get("kid") is None or key.get("kid") == header.get("kid"):
                return jwt.PyJWK(key)
        raise SSORefused("The sign-in provider's answer was signed with a key it does not publish, so Debrief refused it.")

    def verify_token(self, token, **kwargs):
        """Check the ID token's signature, issuer, audience, expiry and nonce; return its claims."""
        if "nonce" not in kwargs:
            return super().verify_token(token, **kwargs)  # a signed userinfo answer
        try:
            algorithm = jwt.get_unverified_header(token).get("alg")
        except jwt.PyJWTError as exc:
            raise SSORefused("The sign-in provider's answer was not a valid ID token.") from exc
        if algorithm != self.OIDC_RP_SIGN_ALGO:
            raise SSORefused(f"The sign-in provider signed its answer with {algorithm}, not {self.OIDC_RP_SIGN_ALGO}, so Debrief refused it.")
        key = self.retrieve_matching_jwk(token)
        try:
            claims = jwt.decode(
                token, key, algorithms=[algorithm], audience=self.OIDC_RP_CLIENT_ID, issuer=settings.OIDC_ISSUER,
                leeway=CLOCK_SKEW_SECONDS, options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.InvalidSignatureError as exc:
            raise SSORefused("The sign-in provider's answer has a signature that does not match its keys, so Debrief refused it.") from exc
        except jwt.ExpiredSignatureError as exc:
            raise SSORefused("The sign-in provider's answer has expired. Please sign in again.") from exc
        except jwt.InvalidAudienceError as exc:
            raise SSORefused("The sign-in provider's answer was meant for another application, so Debrief refused it.") from exc
        except jwt.InvalidIssuerError as exc:
            raise SSORefused("The sign-in answer came from a different provider than the one Debrief trusts, so Debrief refused it.") from exc
        except jwt.PyJWTError as exc:
            raise SSORefused(f"The sign-in provider's ID token was not acceptable ({exc}).") from exc
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SSORefused("The sign-in provider's answer was meant for another application, so Debrief refused it.")
        if kwargs["nonce"] is None or claims.get("nonce") != kwargs["nonce"]:
            raise SSORefused("The sign-in provider's answer does not belong to this sign-in (nonce), so Debrief refused it.")
        return claims

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.person_claims(access_token, id_token, payload)
        with transaction.atomic():
            user = find_or_create_account(claims, request=self.request)
            sync_memberships(user, claims, request=self.request)
        return user

    def person_claims(self, access_token, id_token, payload):
        """The verified ID token's claims, completed from the userinfo endpoint when there is one."""
        if not self.OIDC_OP_USER_ENDPOINT:
            return payload
        userinfo = self.get_userinfo(access_token, id_token, payload)
        # OpenID Connect Core §5.3.2: userinfo for another subject must not be used.
        if userinfo.get("sub") != payload["sub"]:
            raise SSORefused("The sign-in provider described a different person than it signed in, so Debrief refused it.")
        return {**payload, **userinfo}


class PasswordBackend(ModelBackend):
    """Passwords for superusers only, used in place of ModelBackend while OIDC_ONLY is on (break-glass)."""

    def user_can_authenticate(self, user):
        if is_enabled() and settings.OIDC_ONLY and not user.is_superuser:
            return False
        return super().user_can_authenticate(user)
