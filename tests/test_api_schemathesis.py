"""Schemathesis fuzzes every operation of the OpenAPI schema against a live server, with a token.

No request may cause a server error, and every response must match the schema (status code, body
and content type). Example counts stay modest so the run takes well under a minute on two cores. The operations
are driven by hand with Hypothesis rather than `schemathesis.pytest.from_fixture`, whose lazy
loader does not work with pytest 9 (it reads a removed `_nodeid` attribute).
"""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings as hypothesis_settings
from schemathesis import checks as core_checks
from schemathesis.specs.openapi import checks as openapi_checks

from api.models import ApiToken
from tests import factories

pytestmark = [pytest.mark.usefixtures("fast_passwords")]

EXAMPLES_PER_OPERATION = 25
CHECKS = [
    core_checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.content_type_conformance,
]


@pytest.fixture
def seeded(transactional_db, org, settings):
    """A post-mortem with a timeline, a factor and an item, and the author's token."""
    from django.core.cache import cache

    cache.clear()
    settings.API_RATE_PER_MINUTE = 100_000  # the fuzzer would otherwise be throttled after 120 requests
    postmortem = factories.make_postmortem(org.payments, authors=[org.people.author], title="Fuzzed")
    factories.add_timeline_event(postmortem)
    factories.add_factor(postmortem)
    factories.add_action_item(postmortem, owner=org.people.author)
    _, secret = ApiToken.issue(user=org.people.author, name="fuzzer")
    return {"Authorization": f"Bearer {secret}"}


def test_every_operation_conforms_to_schema(live_server, seeded):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/schema/?format=json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    calls = {}
    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"

        @given(case=operation.as_strategy())
        @hypothesis_settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                             suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
        def fuzz(case):
            calls[label] = calls.get(label, 0) + 1
            case.call_and_validate(base_url=live_server.url, headers=seeded, checks=CHECKS)

        fuzz()
    print("Schemathesis calls per operation:", calls)
