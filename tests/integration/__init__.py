"""Helpers for tests against real services: an SMTP server, Redis and Celery worker subprocesses.

Import the fixtures into a test module with
`from tests.integration.fixtures import celery_client, redis_url, smtp_server, start_worker  # noqa: F401`;
an email sweep's exactly-once tests add `mail_sweep` (see sweeps.py).
"""
