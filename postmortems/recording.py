"""Recording a sweep's sent emails on a database connection of its own, without waiting for each.

A sweep records every email the moment the mail server accepts it, so that a worker
killed mid-sweep sends at most that one email again (see `claims`). Waiting for each
record's round trip before building the next email was most of a digest sweep's
database time: 5,100 digests, 5,100 waits of a few tenths of a millisecond, while the
database's own work for each is a tiny fraction of that. Here the record goes out on a
second connection and the sweep builds the next email meanwhile; it waits for the
record only before *sending* the next email. So the guarantee is unchanged: at most one
email is ever sent without its record committed.

Each record is one autocommit statement (the driver sends it with its own Sync, so the
server commits it on its own), with `synchronous_commit` off as on the sweep's own
connection. Where recording this way cannot work, the records go through the sweep's
connection as before: on a database other than PostgreSQL, and inside a transaction (a
test's, or a caller's) or with autocommit off, whose uncommitted claims a second
connection could not see. If the second connection fails, the failed record is written
through the sweep's own connection and the rest of the sweep records that way too; if
that fails as well, the sweep stops there, before sending anything more.
"""
import logging
import selectors

from django.db import connection
from django.utils import timezone

logger = logging.getLogger(__name__)


class Recorder:
    """`record(ids)` marks claimed rows of `model` sent; `wait()` returns once the last record is committed.

    Use as a context manager: the second connection is opened at the first record and
    closed on leaving, after waiting for the last record.
    """

    def __init__(self, model, record_inline):
        self.model = model
        self.record_inline = record_inline  # claims.record_sent, through the sweep's own connection
        self.side = None  # the second connection, once opened
        self.pending = None  # the ids of the record in flight, until confirmed
        # Inline: off PostgreSQL, and wherever the sweep's claims may not be committed yet (inside a
        # transaction, or with autocommit off), which a second connection could not see, or would wait on.
        self.inline = (connection.vendor != "postgresql" or connection.in_atomic_block
                       or not connection.get_autocommit())

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        try:
            self.wait()
        finally:
            if self.side is not None:
                self.side.close()
                self.side = None

    def record(self, ids):
        """Send the record for these rows; the caller must `wait()` before sending another email."""
        if self.inline:
            self.record_inline(self.model, ids)
            return
        self._collect()  # one record in flight at a time (the callers have waited already)
        try:
            pgconn = self._connection().pgconn
            pgconn.send_query_params(self._sql(), [timezone.now().isoformat().encode(), _array(ids)])  # raises if refused
            # A non-blocking socket: flush until the whole statement is on its way, reading what the
            # server sends meanwhile, as libpq asks (PQflush).
            while pgconn.flush():
                if _ready(pgconn.socket, selectors.EVENT_READ | selectors.EVENT_WRITE) & selectors.EVENT_READ:
                    pgconn.consume_input()
        except Exception as error:  # noqa: BLE001 -- any failure of the second connection: record inline
            self._give_up(ids, error)
            return
        self.pending = ids

    def wait(self):
        """Block until the record in flight, if any, is committed (at once if it already is)."""
        self._collect()

    def _collect(self):
        if self.pending is None:
            return
        ids, self.pending = self.pending, None
        try:
            pgconn = self.side.pgconn
            error = None
            while True:
                pgconn.consume_input()
                if pgconn.is_busy():
                    _ready(pgconn.socket, selectors.EVENT_READ)
                    continue
                result = pgconn.get_result()
                if result is None:
                    break
                if result.error_message:
                    error = result.error_message.decode(errors="replace")
            if error:
                raise OSError(error)
        except Exception as error:  # noqa: BLE001
            self._give_up(ids, error)

    def _connection(self):
        if self.side is None:
            # The server, database, user and options Django connects with; never from a pool, as it is closed after.
            self.side = connection.Database.connect(**connection.get_connection_params())
            self.side.autocommit = True
            self.side.execute("SET synchronous_commit TO off")
            role = connection.settings_dict.get("OPTIONS", {}).get("assume_role")
            if role:  # as Django does on its own connections
                self.side.execute(f"SET ROLE {connection.ops.quote_name(role)}")
        return self.side

    def _sql(self):
        return sent_sql(self.model, sent_at="$1::timestamptz", ids="$2").encode()

    def _give_up(self, ids, error):
        """The second connection failed: write this record, and the sweep's later ones, through the sweep's own.

        If that fails too, the error goes up and ends the sweep: no email is sent after one whose
        record could not be written (it is sent once more after its claim lapses).
        """
        logger.warning("Recording sent emails on a second connection failed (%r); recording them inline", error)
        self.inline = True
        if self.side is not None:
            try:
                self.side.close()
            finally:
                self.side = None
        self.record_inline(self.model, ids)


def sent_sql(model, *, sent_at, ids):
    """The UPDATE that marks rows of `model` sent, given the placeholders for the time and an id array.

    One array of ids, not an IN list of one parameter each: a lead's email about a thousand
    escalated items took twice as long to record the other way. Used here (libpq's `$n`) and by
    `claims.record_sent` (the driver's `%s`).
    """
    meta, quote = model._meta, connection.ops.quote_name
    column = {name: quote(meta.get_field(name).column) for name in ("sent_at", "attempts", "last_error")}
    return (
        f"UPDATE {quote(meta.db_table)} SET {column['sent_at']} = {sent_at}, "
        f"{column['attempts']} = {column['attempts']} + 1, {column['last_error']} = '' "
        f"WHERE {quote(meta.pk.column)} = ANY({ids}::{meta.pk.rel_db_type(connection)}[])"
    )


def _ready(fd, events):
    """Block until the socket is ready for `events`; which of them it is ready for."""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, events)
        return selector.select()[0][1]


def _array(ids):
    return ("{" + ",".join(str(int(pk)) for pk in ids) + "}").encode()
