"""Exactly-once sending: claim a row under a uniqueness constraint before sending.

Reminders and digests both work this way. The insert is the claim: the
model's unique constraint lets exactly one sweep create the row for a given
key. A row left unsent past its lease (its sweep died, or its send failed and
released it) is taken over with a compare-and-set on `claimed_at`, which only
one of several racing sweeps can win. `sent_at` is set only once the mail
server has accepted the message.
"""
import smtplib
from django.db import IntegrityError, transaction

# After this many failed sends a reminder or digest is given up (and logged as
# an error) rather than retried forever: a refused address must not keep every
# sweep busy. The next reason or week starts afresh.
MAX_SEND_ATTEMPTS = 10
# What a failed send raises: SMTP refusals and network errors. Anything else is a bug and surfaces.
SEND_ERRORS = (smtplib.SMTPException, OSError)


def claim(model, key, *, now, lease):
    """Take the row for `key` (field → value) for this sweep: its id if ours, None if someone has it."""
    try:
        with transaction.atomic():
            return model.objects.create(**key, claimed_at=now).pk
    except IntegrityError:
        pass
    stale = (
        model.objects.filter(
            **key, sent_at__isnull=True,
            claimed_at__lte=now - lease, attempts__lt=MAX_SEND_ATTEMPTS,
        )
        .values_list("pk", "claimed_at")
        .first()
    )
    if stale is None:
        return None
    pk, claimed_at = stale
    taken = model.objects.filter(pk=pk, sent_at__isnull=True, claimed_at=claimed_at).update(claimed_at=now)
    return pk if taken else None
