"""Shared pieces of the API tests (no tests here): a client that speaks as a person through a token."""
from rest_framework.test import APIClient

from api.models import ApiToken


def token_client(user, *, read_only=False, **token_fields):
    """An API client sending a fresh token of `user` as `Authorization: Bearer`."""
    _, secret = ApiToken.issue(user=user, name="test", read_only=read_only, **token_fields)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def ids(response):
    return sorted(row["id"] for row in response.json()["results"])
