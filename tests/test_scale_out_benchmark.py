"""The scale-out benchmark's journeys still point at Debrief's pages.

Locust is not installed for the tests (requirements-bench.txt only), so this reads the
locustfile's URLs as text: a renamed or removed page fails here, not halfway through a run.
"""
import re
from pathlib import Path

import pytest
from django.urls import Resolver404, resolve

LOCUSTFILE = Path(__file__).resolve().parents[1] / "benchmarks" / "locustfile.py"


def journey_paths():
    """Every path the journeys request, with each {placeholder} or (\\d+) given the id 1."""
    literals = re.findall(r'f?"(/[^"]*)"', LOCUSTFILE.read_text())
    paths = {re.sub(r"\{[^}]*\}|\(\\d\+\)", "1", literal).split("?")[0] for literal in literals}
    return sorted(paths)


def test_the_journeys_request_pages():
    assert {"/", "/accounts/login/", "/postmortems/1/edit/", "/actions/1/due-date/", "/trends/"} <= set(journey_paths())


@pytest.mark.parametrize("path", journey_paths())
def test_each_journey_path_resolves_to_a_debrief_view(path):
    try:
        resolve(path)
    except Resolver404:
        pytest.fail(f"benchmarks/locustfile.py requests {path}, which no longer exists")
