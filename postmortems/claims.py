"""Exactly-once sending: claim a row under a uniqueness constraint before sending.

Reminders and digests both work this way, and share the claims, the batches
and the retry policy here. The model's unique constraint lets exactly one sweep
create the row for a given key, and a row is claimed by stamping `claimed_at`
under a row lock that racing sweeps skip, so only one of them wins it. A row
left unsent past its lease (its sweep died) is claimable again the same way.
`sent_at` is set only once the mail server has accepted the message. Claims are
taken and recorded a batch at a time (`send_in_batches`), so a sweep's queries
do not grow with the number of items in it.

A failed send releases the claim after a per-row backoff: `claimed_at` is
pushed to `now - lease + retry_delay(attempts)`, so the claim lapses once the
delay has passed (1, 2, 4, … minutes, then hourly). A row is given up only
after MAX_SEND_ATTEMPTS failures, which with that backoff is about a day of
retrying (see `retry_horizon`): a mail server down for an afternoon must not
cost anyone that day's reminder, while an address that is refused for good
must not keep every sweep busy forever.
"""
import logging
import smtplib
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from postmortems import recording

logger = logging.getLogger(__name__)

# Give up after this many failed sends. With `retry_delay` the attempts span
# about 24 hours (1+2+4+8+16+32 minutes, then 23 hourly retries): long enough to
# ride out an SMTP outage, short enough that the next reason or week starts afresh.
MAX_SEND_ATTEMPTS = 30
# The longest wait between two attempts.
MAX_RETRY_DELAY = timedelta(hours=1)
# What a mail server's refusal or a network error raises. These are expected and
# logged as warnings; any other exception while building or sending one email
# is a bug, logged with its traceback, and fails only that email.
SEND_ERRORS = (smtplib.SMTPException, OSError)
# A sweep claims, sends and records this many emails at a time: a fixed number of
# queries per batch, and a crash leaves at most one batch sent but not recorded
# (sent again once its claims lapse). At a second an email, a batch takes under
# a third of the default ten-minute lease.
BATCH_SIZE = 200


def retry_delay(attempts):
    """How long to wait after the `attempts`-th failed send: 1, 2, 4, … minutes, at most an hour."""
    minutes = 2 ** min(max(attempts - 1, 0), 6)  # 64 minutes already exceeds the cap
    return min(timedelta(minutes=minutes), MAX_RETRY_DELAY)


def retry_horizon():
    """How long a row is retried for, from its first failed send to its last attempt."""
    return sum((retry_delay(n) for n in range(1, MAX_SEND_ATTEMPTS)), timedelta())


def claim_many(model, fields, keys, *, now, lease, cluster_by=None):
    """Take the rows for `keys` (tuples of values of `fields`) for this sweep.

    Returns {key: row id} for the keys this sweep won; any other key is someone
    else's. Three statements in one transaction, however many keys: insert the
    missing rows as lapsed claims (ON CONFLICT DO NOTHING, so the uniqueness
    constraint still decides who creates a row), lock the claimable rows with
    SKIP LOCKED, and stamp those with `now`. A concurrent sweep waits on our
    uncommitted inserts, skips the rows we lock and, once we commit, sees them
    freshly claimed: each row goes to one sweep.

    `cluster_by`, one of `fields`, writes new rows in the order of that field first, so
    that the rows one email records as sent lie together on a few pages.
    """
    wanted = set(keys)
    if not wanted:
        return {}
    if connection.vendor == "postgresql":
        return _claim_many_postgresql(model, fields, sorted(wanted), now=now, lease=lease, cluster_by=cluster_by)
    with transaction.atomic():
        # Sorted, so two sweeps inserting overlapping keys wait on each other in one order, never in a cycle.
        lead = list(fields).index(cluster_by) if cluster_by is not None else 0
        model.objects.bulk_create(
            [model(**dict(zip(fields, key)), claimed_at=now - lease)
             for key in sorted(wanted, key=lambda key: (key[lead], key))],
            ignore_conflicts=True,
        )
        # Each field `__in` its values covers the keys (and perhaps a few other rows of the same
        # people and items, left alone below): one condition, where one per key would not scale.
        covering = {f"{name}__in": {key[n] for key in wanted} for n, name in enumerate(fields)}
        rows = (
            model.objects.filter(**covering, sent_at__isnull=True, claimed_at__lte=now - lease,
                                 attempts__lt=MAX_SEND_ATTEMPTS)
            .select_for_update(skip_locked=True).values_list("pk", *fields)
        )
        won = {key: pk for pk, *values in rows if (key := tuple(values)) in wanted}
        model.objects.filter(pk__in=won.values()).update(claimed_at=now)
    return won


class _Keys:
    """Keys as SQL: one array per key field, unnested into rows `k` that join the model's table `t`.

    PostgreSQL matches thousands of keys against the table with one hash join, where
    `field IN (...)` lists grow with the keys and cost seconds at a hundred thousand. Each
    array goes as one array literal (see `array_literal`).
    """

    def __init__(self, model, fields, keys):
        meta = model._meta
        quote = connection.ops.quote_name
        self.table = quote(meta.db_table)
        self.pk = quote(meta.pk.column)
        self.meta = meta
        self.fields = [meta.get_field(name) for name in fields]
        self.columns = [quote(field.column) for field in self.fields]
        types = [field.rel_db_type(connection) if field.is_relation else field.db_type(connection)
                 for field in self.fields]
        self.rows = f"unnest({', '.join(f'%s::{kind}[]' for kind in types)}) AS k({', '.join(self.columns)})"
        self.params = [array_literal(column) for column in zip(*keys)]
        self.joined = " AND ".join(f"t.{column} = k.{column}" for column in self.columns)
        self.selected = ", ".join(f"k.{column}" for column in self.columns)

    def ordered(self, first=None):
        """The key columns for ORDER BY, field `first` (a name) leading if given."""
        columns = list(self.columns)
        if first is not None:
            lead = connection.ops.quote_name(self.meta.get_field(first).column)
            columns.remove(lead)
            columns.insert(0, lead)
        return ", ".join(f"k.{column}" for column in columns)


def array_literal(values):
    """A PostgreSQL array literal ('{1,2,3}', '{"a","b"}') for ints, dates or strings, cast by the query.

    The driver adapts a Python list element by element, which at 150,000 keys took longer
    than the database took to match them; joining their text is a few times faster.
    Strings are double-quoted with backslash escapes, so any text is safe.
    """
    return "{" + ",".join(_array_element(value) for value in values) + "}"


def _array_element(value):
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (int, date)) and not isinstance(value, bool):
        return str(value)  # digits, or an ISO date
    raise TypeError(f"A claim key cannot hold {value!r}")


# A row needs nothing from this sweep: sent, held by a live claim or backing off, or given up (see is_taken).
_TAKEN_SQL = '(t."sent_at" IS NOT NULL OR t."claimed_at" > %s OR t."attempts" >= %s)'


def _claim_many_postgresql(model, fields, keys, *, now, lease, cluster_by=None):
    """claim_many in two or three statements whose size does not depend on the number of keys.

    Rows that do not exist yet are inserted already claimed by this sweep (the uniqueness
    constraint still decides who creates a row, and a racing sweep's insert waits for ours);
    existing rows are locked (SKIP LOCKED) and stamped if claimable. A first sweep over many
    items writes each row once, not twice.
    """
    keys_sql = _Keys(model, fields, keys)
    others = [field for field in model._meta.concrete_fields if not field.primary_key and field not in keys_sql.fields]
    values = [now if field.name == "claimed_at" else field.get_db_prep_save(field.get_default(), connection)
              for field in others]
    other_columns = [connection.ops.quote_name(field.column) for field in others]
    returning = f"RETURNING {keys_sql.pk}, {', '.join(keys_sql.columns)}"
    # One order for every sweep, so two inserting overlapping keys wait on each other, never in a cycle.
    order = keys_sql.ordered(cluster_by)
    insert = (
        f"INSERT INTO {keys_sql.table} ({', '.join(keys_sql.columns + other_columns)}) "
        f"SELECT {keys_sql.selected}, {', '.join(['%s'] * len(others))} FROM {keys_sql.rows} ORDER BY {order}"
    )
    params = [*values, *keys_sql.params]  # in the order they appear: the other columns' values, then the keys
    with transaction.atomic(), connection.cursor() as cursor:
        won = _insert_new(cursor, insert, returning, params)
        if len(won) == len(keys):
            return {tuple(values): row_id for row_id, *values in won}  # every row is new: none to take over
        # Rows inserted just now have a live claim, so only rows that existed before can match here.
        cursor.execute(
            f'UPDATE {keys_sql.table} SET "claimed_at" = %s WHERE {keys_sql.pk} IN ('
            f"SELECT t.{keys_sql.pk} FROM {keys_sql.table} t JOIN {keys_sql.rows} ON {keys_sql.joined} "
            f'WHERE t."sent_at" IS NULL AND t."claimed_at" <= %s AND t."attempts" < %s FOR UPDATE OF t SKIP LOCKED) '
            f"{returning}",
            [now, *keys_sql.params, now - lease, MAX_SEND_ATTEMPTS],
        )
        won += cursor.fetchall()
    return {tuple(values): row_id for row_id, *values in won}


def _insert_new(cursor, insert, returning, params):
    """Run `insert` for rows that do not exist yet: the rows it wrote, as (id, *key).

    First as a plain INSERT, which is all a sweep needs when every key is new (a first sweep,
    a new day's reasons): ON CONFLICT DO NOTHING costs a speculative insertion per row, about
    a third of the statement at 150,000 rows. If a key already has a row (a retry, or another
    sweep's claim that committed while we waited on it), that fails as a whole and is undone
    to its savepoint, and the insert runs again skipping existing rows.
    """
    try:
        with transaction.atomic():
            cursor.execute(f"{insert} {returning}", params)
            return cursor.fetchall()
    except IntegrityError:
        cursor.execute(f"{insert} ON CONFLICT DO NOTHING {returning}", params)
        return cursor.fetchall()


def free_keys(model, fields, keys, *, now, lease):
    """The keys whose rows this sweep could claim: no row yet, or a row not taken (see is_taken).

    For the sweeps' selection: on PostgreSQL the database compares the keys with the table
    and returns only the free ones, so a sweep with nothing to send reads next to nothing.
    """
    keys = set(keys)
    if not keys:
        return set()
    if connection.vendor != "postgresql":
        covering = {f"{name}__in": {key[n] for key in keys} for n, name in enumerate(fields)}
        rows = model.objects.filter(**covering).values_list(*fields, "sent_at", "claimed_at", "attempts")
        taken = {tuple(row[:len(fields)]) for row in rows
                 if is_taken(sent_at=row[-3], claimed_at=row[-2], attempts=row[-1], now=now, lease=lease)}
        return keys - taken
    keys_sql = _Keys(model, fields, sorted(keys))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {keys_sql.selected} FROM {keys_sql.rows} WHERE NOT EXISTS ("
            f"SELECT 1 FROM {keys_sql.table} t WHERE {keys_sql.joined} AND {_TAKEN_SQL})",
            [*keys_sql.params, now - lease, MAX_SEND_ATTEMPTS],
        )
        return {tuple(row) for row in cursor.fetchall()}


def claim(model, key, *, now, lease):
    """Take the one row for `key` (field → value) for this sweep: its id if ours, None if someone has it."""
    values = tuple(key.values())
    return claim_many(model, list(key), [values], now=now, lease=lease).get(values)


def is_taken(*, sent_at, claimed_at, attempts, now, lease):
    """Whether a row needs nothing from this sweep: sent, held by a live claim or backing off, or given up."""
    return sent_at is not None or claimed_at > now - lease or attempts >= MAX_SEND_ATTEMPTS


def record_sent(model, ids):
    """The mail server accepted the email for these claimed rows."""
    if connection.vendor != "postgresql":
        model.objects.filter(pk__in=ids).update(sent_at=timezone.now(), attempts=F("attempts") + 1, last_error="")
        return
    with connection.cursor() as cursor:
        cursor.execute(recording.sent_sql(model, sent_at="%s", ids="%s"), [timezone.now(), array_literal(ids)])


def record_failures(model, failures, *, now, lease):
    """Release claimed rows unsent, each to be retaken after its own backoff.

    `failures` is [(ids, error)], one entry per failed email. Returns {id: attempts}
    after this failure. Rows reaching MAX_SEND_ATTEMPTS are given up and logged as
    errors. One UPDATE for them all: each row's new `claimed_at` follows from its
    own attempt count, read by the database as it updates the row.
    """
    ids = [pk for pks, _ in failures for pk in pks]
    if not ids:
        return {}
    # A claim counts as live until claimed_at + lease; this makes it lapse after the delay.
    lapses = Case(
        *[When(attempts=n - 1, then=Value(now - lease + retry_delay(n))) for n in range(1, MAX_SEND_ATTEMPTS + 1)],
        default=Value(now - lease + MAX_RETRY_DELAY),
    )
    errors = Case(*[When(pk__in=pks, then=Value(repr(error)[:2000])) for pks, error in failures],
                  default=F("last_error"), output_field=model._meta.get_field("last_error"))
    model.objects.filter(pk__in=ids, sent_at__isnull=True).update(
        claimed_at=lapses, attempts=F("attempts") + 1, last_error=errors,
    )
    attempts = dict(model.objects.filter(pk__in=ids).values_list("pk", "attempts"))
    for pk, count in attempts.items():
        if count >= MAX_SEND_ATTEMPTS:
            logger.error("Giving up on %s %s after %d failed attempts", model._meta.verbose_name, pk, count)
    return attempts


def log_failure(log, error, message, *args):
    """Log a failed email: a refused address or a network error is expected, anything else is a bug."""
    if isinstance(error, SEND_ERRORS):
        log.warning(message, *args)
    else:
        log.error(message, *args, exc_info=error)


# The sweep ---------------------------------------------------------------------------

@dataclass
class Outcome:
    """One email of a sweep: what it was about, the rows it carried, and why it failed if it did."""

    job: object
    ids: list
    error: Exception = None
    attempts: int = 0

    @property
    def failed(self):
        return self.error is not None


def send_in_batches(model, fields, jobs, *, now, lease, send, build=None, prepare=None, cluster_by=None):
    """Claim, send and record `jobs`, BATCH_SIZE emails at a time; yields an Outcome per email tried.

    `jobs` is [(job, keys)] with one email per job; `send(job, keys)` sends it for
    the keys this sweep won (a job whose keys are all someone else's is skipped).
    Or, with `build` given, `build(job, keys)` makes the email and `send(email)`
    sends it: then each email is built while the previous one's record is on its
    way (see `recording`). A batch costs one claim for all its keys, one update per
    email sent (recorded the moment it is sent, so a worker killed mid-batch resends
    at most the one email it was sending), and two for those that failed: the
    count grows with the people mailed, never with the items. Each batch is claimed
    at its own moment on the sweep's clock, so a long sweep's later batches are
    not born with lapsed leases; a batch that runs past half its lease stops
    sending, and its remaining claims lapse to a later sweep. `prepare(jobs)`, if
    given, is called with the jobs this sweep won in a batch before any of them is
    sent, so that what their emails need can be read for all of them at once;
    `cluster_by` is passed to `claim_many`. The sweep's commits do not wait for the
    disk (see `commits_not_waiting_for_disk`).
    """
    with commits_not_waiting_for_disk():
        yield from _send_all(model, fields, jobs, now=now, lease=lease, send=send, build=build, prepare=prepare,
                             cluster_by=cluster_by)


def _send_all(model, fields, jobs, *, now, lease, send, build, prepare, cluster_by):
    started = time.monotonic()
    with recording.Recorder(model, record_sent) as recorder:
        for start in range(0, len(jobs), BATCH_SIZE):
            claimed_at = now + timedelta(seconds=time.monotonic() - started) if start else now
            batch = jobs[start:start + BATCH_SIZE]
            yield from _send_claimed(model, fields, batch, now=claimed_at, lease=lease, send=send, build=build,
                                     prepare=prepare, cluster_by=cluster_by, recorder=recorder)


def _send_claimed(model, fields, batch, *, now, lease, send, build, prepare, cluster_by, recorder):
    """One batch: claim, prepare, send and record, then release the failures; its outcomes."""
    won = claim_many(model, fields, [key for _, keys in batch for key in keys], now=now, lease=lease,
                     cluster_by=cluster_by)
    deadline = time.monotonic() + lease.total_seconds() / 2  # counted from the claim, preparing included
    if prepare is not None:
        prepare([job for job, keys in batch if any(key in won for key in keys)])
    outcomes = _send_batch(batch, won, send, build=build, deadline=deadline, recorder=recorder)
    recorder.wait()
    attempts = record_failures(
        model, [(outcome.ids, outcome.error) for outcome in outcomes if outcome.failed], now=now, lease=lease,
    )
    for outcome in outcomes:
        outcome.attempts = max((attempts.get(pk, 0) for pk in outcome.ids), default=0)
    return outcomes


@contextmanager
def commits_not_waiting_for_disk():
    """Within it, this connection's commits return before PostgreSQL has flushed them to disk.

    Each email is recorded in its own commit the moment it is sent, and at a few milliseconds
    a flush, waiting for the disk was most of a digest sweep's database time. Every claim and
    record is still committed, visible to every other sweep, before the next email goes out,
    so a worker killed mid-sweep still resends at most the one email it was sending; only a
    crash of the database server itself can lose the last fraction of a second of records
    (`wal_writer_delay` × 3), whose emails are then sent once more. Nothing is ever corrupted.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def _send_batch(batch, won, send, *, build, deadline, recorder):
    """Send each job of a batch for its won keys, recording each sent email at once; a failure fails only it.

    The record of one email is written while the next is built (`recording.Recorder`), and
    confirmed before that next one is sent: never two emails out without their records.
    """
    outcomes = []
    for job, keys in batch:
        mine = [key for key in keys if key in won]
        if not mine:
            continue
        if time.monotonic() > deadline:
            # Another sweep may take these claims over once they lapse: never send under a lapsing claim.
            logger.warning("A sweep batch ran past half its lease; the rest of it is left to a later sweep")
            break
        ids = [won[key] for key in mine]
        try:
            # Built while the previous email's record is on its way (without `build`, `send` builds too).
            email = build(job, mine) if build is not None else None
        except Exception as error:  # a failed email is retried; the caller logs which
            outcomes.append(Outcome(job, ids, error))
            continue
        # Outside the `try`: a record that cannot be written is not this email's failure, and ends
        # the sweep before another email goes out unrecorded.
        recorder.wait()
        try:
            if build is None:
                send(job, mine)
            else:
                send(email)
        except Exception as error:  # a failed email is retried; the caller logs which
            outcomes.append(Outcome(job, ids, error))
        else:
            recorder.record(ids)
            outcomes.append(Outcome(job, ids))
    return outcomes
