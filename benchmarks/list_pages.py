"""Benchmark: the main pages at 10,000 post-mortems. Prints figures, asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/debrief_bench .venv/bin/python benchmarks/list_pages.py

Creates the database's tables if needed and fills it once with N post-mortems
(N from --count, default 10,000) spread over teams, kinds and two years, each with
about 2 action items, 4 timeline events and 2.5 contributing factors. The reader
leads three of the ten teams.
"""
import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-secret")
os.environ.setdefault("STATIC_PLAIN", "true")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402


def fill(count):
    from django.contrib.auth import get_user_model

    from postmortems.models import Membership, PostMortem, Team

    User = get_user_model()
    if PostMortem.objects.count() >= count:
        return
    teams = [Team.objects.get_or_create(name=f"Bench team {i}", slug=f"bench-{i}")[0] for i in range(10)]
    reader, _ = User.objects.get_or_create(username="bench-reader")
    for team in teams[:3]:
        Membership.objects.get_or_create(team=team, user=reader, defaults={"role": "lead"})
    now = timezone.now()
    batch = []
    for i in range(PostMortem.objects.count(), count):
        # About two years of incidents, so the trends' periods and previous periods have data.
        created = now - timezone.timedelta(minutes=100 * i)
        published = i % 4 >= 2
        batch.append(PostMortem(
            team=teams[i % 10], kind="people" if i % 4 == 0 else "technical",
            status=["draft", "review", "published", "published"][i % 4], severity=1 + i % 4,
            title=f"Bench incident {i}", summary="Connection pool exhausted under load. " * 5,
            created_at=created, started_at=created - timezone.timedelta(hours=3),
            resolved_at=created - timezone.timedelta(hours=1),
            published_at=created + timezone.timedelta(days=i % 20) if published else None,
            word_count=400 if published else 0, blame_counts={"hindsight": i % 3} if published else {},
        ))
    created = PostMortem.objects.bulk_create(batch, batch_size=2000)
    PostMortem.authors.through.objects.bulk_create(
        [PostMortem.authors.through(postmortem_id=p.pk, user_id=reader.pk) for p in created[::7]], batch_size=5000
    )
    fill_related(created, reader, now)


def fill_related(postmortems, reader, now):
    """About what the issue measured: 2 action items, 4.1 timeline events and 2.5 factors per post-mortem."""
    from postmortems.models import ActionItem, ContributingFactor, Theme, TimelineEvent

    themes = [Theme.objects.get_or_create(name=f"Bench theme {i}", team=None)[0] for i in range(12)]
    items, events, factors = [], [], []
    for n, postmortem in enumerate(postmortems):
        for k in range(2):
            status = ["open", "in_progress", "done", "open", "wont_do", "done"][(n + k) % 6]
            closed = status in ("done", "wont_do")
            items.append(ActionItem(
                postmortem=postmortem, title="Follow up", status=status,
                owner=reader if (n + k) % 10 == 0 else None,
                due_date=(postmortem.created_at + timezone.timedelta(days=14 + 7 * k)).date(),
                created_at=postmortem.created_at,
                closed_at=postmortem.created_at + timezone.timedelta(days=5 + n % 30) if closed else None,
                wording_issues=["", "vague", None][n % 3],
            ))
        for k in range(4 + (n % 10 == 0)):
            events.append(TimelineEvent(postmortem=postmortem, occurred_at=postmortem.created_at,
                                        description=f"Step {k}"))
        for k in range(2 + n % 2):
            factors.append(ContributingFactor(postmortem=postmortem, theme=themes[(n + 5 * k) % len(themes)],
                                              description="Pool size fixed at deploy time"))
    ActionItem.objects.bulk_create(items, batch_size=5000)
    TimelineEvent.objects.bulk_create(events, batch_size=5000)
    ContributingFactor.objects.bulk_create(factors, batch_size=5000)


MINIMAL_PAGE = "/accounts/password/change/"


def time_page(client, url, runs=15):
    timings, queries = [], 0
    for _ in range(runs):
        reset_queries()
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
        queries = len(connection.queries)
    return statistics.median(timings), max(timings), queries


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--only", help="time only the pages whose URL contains this text")
    args = parser.parse_args()
    # One log line per request would bury the figures; warnings and errors still show.
    logging.disable(logging.INFO)
    call_command("migrate", verbosity=0)
    fill(args.count)
    if connection.vendor == "postgresql":
        # Fresh statistics and visibility maps, as autovacuum keeps them on a real server after a
        # bulk load: without statistics the planner guesses a few dozen rows where there are
        # thousands and picks nested loops; without the visibility map no index-only scan pays off.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    from django.contrib.auth import get_user_model

    from postmortems.models import Theme

    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-reader"))
    print(f"database: {connection.vendor}, post-mortems: {args.count}")
    with override_settings(DEBUG=True):
        theme = Theme.objects.get(name="Bench theme 0", team=None).pk
        urls = ["/", "/?page=50", "/?kind=people", "/?q=pool", "/?status=published&severity=2", "/?page=400",
                f"/?theme={theme}", "/actions/", "/actions/?page=2", "/actions/?status=overdue",
                "/actions/?status=all&page=20", "/actions/mine/", "/trends/", "/trends/?period=365",
                "/digest/", "/themes/"]
        # A minimal signed-in page (a form and the site's frame) tells how fast this machine is today:
        # the same code measured 8 ms on one day and twice that on another, and every page with it.
        minimal, _, _ = time_page(client, MINIMAL_PAGE)
        print(f"{MINIMAL_PAGE:36} median {minimal:7.1f} ms   (a minimal signed-in page: the machine's speed)")
        for url in [url for url in urls if not args.only or args.only in url]:
            median, worst, queries = time_page(client, url)
            print(f"{url:36} median {median:7.1f} ms   worst {worst:7.1f} ms   {queries} queries"
                  f"   {median / minimal:5.1f}x minimal")


if __name__ == "__main__":
    main()
