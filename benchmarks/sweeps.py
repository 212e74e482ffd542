"""Benchmark: the reminder and digest sweeps at N open action items. Prints figures, asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/debrief_bench .venv/bin/python benchmarks/sweeps.py [--items N] [--breakdown]

Works in a database of its own (the DATABASE_URL's name + "_sweeps_bench",
created, migrated and dropped again, like a test database), so it never touches
the data behind DATABASE_URL. Fills it with N open items (default 100,000), ten
to a post-mortem and about twenty to a person, due across the whole schedule:
not yet due, reminded before the due date, due today, overdue, escalated to the
team's leads. Some people live in other time zones and some have paused
reminders. Then it runs, at one fixed moment:

    dry run      the selection alone (what `send_reminders --dry-run` does)
    dry claim    the selection and the claim of all of it, rolled back
    sweep        the real sweep: claim, email (locmem backend), record
    again        a second sweep, with nothing left to send
    digest due   the weekly digest's selection, at a moment when everyone's digest is due
    digests      the digest sweep: claim, build each person's digest, email, record
    digest again a second digest sweep, with nothing left to send

and prints for each the queries, the time they spent in the database and the
wall time. "database" is the time spent inside the driver's `execute` for those
queries and in their commits: the server's work (deferred constraint checks at commit
included), the round trips and the driver turning parameters into SQL. The sweeps
record each sent email on a second connection while building the next one
(`postmortems.recording`); for those records it is the time spent sending them and
waiting for them to commit, which is what the sweep waits; the database's work on
them overlaps with the building of emails. The rest of the wall time is Python:
building emails and the sweep's bookkeeping.
"""
import argparse
import logging
import os
import sys
import time
from contextlib import contextmanager
from datetime import datetime, time as clock, timedelta, timezone as dt_timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-secret")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

ITEMS_PER_POSTMORTEM = 10
ITEMS_PER_PERSON = 20
TEAMS = 50
ZONES = ["UTC", "Europe/Berlin", "America/Los_Angeles", "Asia/Tokyo", "Pacific/Auckland"]
# Days from today to the due date, cycled over the items: every step of the schedule.
# --breakdown: under each step, its queries by statement and first table, most time first.
BREAKDOWN = False
DUE_IN = [5, 4, 3, 2, 1, 0, -1, -3, -7, -10, -14, -15, -21, -28, -35]


class Meter:
    """Counts the queries run inside it and the time they took, however many there are."""

    def __init__(self):
        self.queries = 0
        self.database = 0.0
        self.kinds = {}  # statement kind and table → [queries, seconds], for --breakdown

    @staticmethod
    def kind(sql):
        words = sql.split()
        table = next((word.strip('"') for word in words if word.startswith('"')), "")
        return f"{words[0] if words else '?'} {table}".strip()

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.add(self.kind(sql), time.perf_counter() - start)

    def add(self, kind, spent, queries=1):
        self.database += spent
        self.queries += queries
        tally = self.kinds.setdefault(kind, [0, 0.0])
        tally[0] += queries
        tally[1] += spent


@contextmanager
def measured(label, note=""):
    meter = Meter()
    # Commits count as database time too: PostgreSQL checks deferred foreign keys and writes the
    # transaction's log then, which for a first sweep's thousands of new rows is real work.
    commit = connection._commit

    def timed_commit():
        started = time.perf_counter()
        try:
            return commit()
        finally:
            meter.add("COMMIT", time.perf_counter() - started, queries=0)

    # The sweeps record sent emails on a second connection (postmortems.recording), which the
    # execute wrapper does not see: its statements count as queries, and the time the sweep
    # spends sending them and waiting for them to commit as database time.
    from postmortems.recording import Recorder

    def timed(method, kind, queries):
        def wrapper(recorder, *args):
            if recorder.inline:  # through the sweep's own connection, which the wrapper already counts
                return method(recorder, *args)
            started = time.perf_counter()
            try:
                return method(recorder, *args)
            finally:
                meter.add(kind, time.perf_counter() - started, queries=queries)
        return wrapper

    record, wait = Recorder.record, Recorder.wait
    Recorder.record = timed(record, "records sent on the second connection", 1)
    Recorder.wait = timed(wait, "waiting for those records", 0)
    connection._commit = timed_commit
    start = time.perf_counter()
    try:
        with connection.execute_wrapper(meter):
            yield
    finally:
        del connection._commit  # back to the class's own method
        Recorder.record, Recorder.wait = record, wait
    wall = time.perf_counter() - start
    print(f"{label:<12} {meter.queries:>8,} {meter.database:>10.2f} s {wall:>9.2f} s   {note()}")
    if BREAKDOWN:
        for kind, (count, spent) in sorted(meter.kinds.items(), key=lambda pair: -pair[1][1])[:8]:
            print(f"{'':<14}{count:>8,} {spent:>10.2f} s   {kind}")


def fill(items, today):
    """N open items on N/10 post-mortems of 50 teams, owned by N/20 people who may all read them."""
    from django.contrib.auth import get_user_model

    from postmortems.models import ActionItem, Membership, PostMortem, Profile, Team

    User = get_user_model()
    people = max(1, items // ITEMS_PER_PERSON)
    teams = Team.objects.bulk_create([Team(name=f"Bench team {n}", slug=f"bench-{n}") for n in range(TEAMS)])
    owners = User.objects.bulk_create(
        [User(username=f"owner{n}", email=f"owner{n}@example.test", password="!") for n in range(people)],
        batch_size=5000,
    )
    leads = User.objects.bulk_create(
        [User(username=f"lead{n}", email=f"lead{n}@example.test", password="!") for n in range(2 * TEAMS)]
    )
    Membership.objects.bulk_create(
        [Membership(team=teams[n % TEAMS], user=owner, role="member") for n, owner in enumerate(owners)]
        + [Membership(team=teams[n % TEAMS], user=lead, role="lead") for n, lead in enumerate(leads)],
        batch_size=5000,
    )
    # Every third person in another time zone, every 25th with reminders paused; the rest have no profile.
    Profile.objects.bulk_create(
        [Profile(user=owner, timezone=ZONES[n % len(ZONES)], reminders_paused=n % 25 == 0)
         for n, owner in enumerate(owners) if n % 3 == 0 or n % 25 == 0],
        batch_size=5000,
    )
    postmortems = PostMortem.objects.bulk_create(
        [PostMortem(team=teams[n % TEAMS], kind="technical", status=["draft", "published"][n % 2],
                    title=f"Bench incident {n}", summary="Connection pool exhausted under load.")
         for n in range(max(1, items // ITEMS_PER_POSTMORTEM))],
        batch_size=5000,
    )
    # Owner n is on team n % 50, and post-mortem n too: an item's owner may read its post-mortem.
    by_team = {}
    for n, owner in enumerate(owners):
        by_team.setdefault(n % TEAMS, []).append(owner)
    ActionItem.objects.bulk_create([_item(n, postmortems, by_team, today) for n in range(items)], batch_size=5000)


def _item(n, postmortems, by_team, today):
    from postmortems.models import ActionItem

    index = n // ITEMS_PER_POSTMORTEM % len(postmortems)
    team_owners = by_team.get(index % TEAMS) or [None]  # with few people, some teams' items have no owner
    return ActionItem(
        postmortem=postmortems[index], owner=team_owners[n % len(team_owners)], title=f"Bench item {n}",
        status="open", due_date=today + timedelta(days=DUE_IN[n % len(DUE_IN)]),
    )


def run(items):
    from postmortems import claims, reminders
    from postmortems.models import Reminder

    now = timezone.now()
    start = time.perf_counter()
    fill(items, now.date())
    with connection.cursor() as cursor:
        # Fresh statistics, as autovacuum keeps them on a real server: without them the planner
        # guesses a handful of rows where there are thousands and picks nested loops.
        cursor.execute("ANALYZE")
    print(f"Filled {items:,} open items in {time.perf_counter() - start:.1f} s.\n")
    print(f"{'':<12} {'queries':>8} {'database':>12} {'wall':>11}")

    found = []

    def due_to_whom():
        return f"{len(found):,} reminders due to {len({d.recipient.pk for d in found}):,} people"

    with measured("dry run", due_to_whom):
        found = reminders.pending_reminders(now=now)

    won = {}
    with measured("dry claim", lambda: f"{len(won):,} claimed, then rolled back"):
        with transaction.atomic():
            pending = reminders.pending_reminders(now=now)
            won = claims.claim_many(Reminder, reminders.KEY_FIELDS, [d.key for d in pending],
                                    now=now, lease=reminders.lease())
            transaction.set_rollback(True)
    with connection.cursor() as cursor:
        # The rolled-back claim left 150,000 dead rows in the table and its unique index, which
        # the real sweep's inserts would then step over. Autovacuum clears them within a minute
        # on a real server; no real sweep follows a rolled-back claim of everything.
        cursor.execute(f"VACUUM {Reminder._meta.db_table}")

    result = reminders.SweepResult()
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        with measured("sweep", lambda: f"{result.emails_sent:,} emails with {result.reminders_sent:,} reminders, "
                                       f"{result.emails_failed} failed"):
            result = reminders.send_due_reminders(now=now)
        again = reminders.SweepResult()
        with measured("again", lambda: f"{again.emails_sent:,} emails"):
            again = reminders.send_due_reminders(now=now)
        run_digests(now)


def run_digests(now):
    from postmortems import digest

    # Monday 23:00 UTC: past 09:00 on Monday in every zone the fill uses, still in the same local week.
    moment = datetime.combine(digest.week_of(now.date()), clock(23), tzinfo=dt_timezone.utc)
    due = []
    with measured("digest due", lambda: f"{len(due):,} digests due"):
        due = digest.pending_digests(now=moment)
    result = digest.SweepResult()
    with measured("digests", lambda: f"{result.emails_sent:,} digests emailed, {result.emails_failed} failed"):
        result = digest.send_due_digests(now=moment)
    again = digest.SweepResult()
    with measured("digest again", lambda: f"{again.emails_sent:,} digests"):
        again = digest.send_due_digests(now=moment)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=100_000, help="open action items to create (100,000)")
    parser.add_argument("--breakdown", action="store_true",
                        help="under each step, its queries by kind of statement and table, most time first")
    parser.add_argument("--keep", action="store_true",
                        help="leave the benchmark's database in place afterwards, to study its query plans")
    args = parser.parse_args()
    global BREAKDOWN
    BREAKDOWN = args.breakdown
    logging.getLogger("postmortems").setLevel(logging.WARNING)  # a line per email would bury the figures
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL server: the sweep's claims are measured there.")
    database = settings.DATABASES["default"]
    database.setdefault("TEST", {})["NAME"] = f"{database['NAME']}_sweeps_bench"
    print(f"Database {database['TEST']['NAME']} (created now, dropped at the end unless --keep).")
    original = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        run(args.items)
    finally:
        if args.keep:
            print(f"Kept database {database['TEST']['NAME']}; the next run replaces it.")
        else:
            connection.creation.destroy_test_db(original, verbosity=0)


if __name__ == "__main__":
    main()
