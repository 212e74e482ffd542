"""An exactly-once email sweep on real Celery workers, driven the three ways it can go wrong:
run twice in a row, run twice at once on two workers, and a worker killed mid-send.

Reminders, digests and pulse invitations are each sent by such a sweep. Their test files say
who should get mail and check what the mail says; these steps start the workers, send the
task and check what every sweep promises (the right worker answered, nothing sent twice).
"""
import time

TIMEOUT = 30
LEASE_SECONDS = 2  # short, so a killed worker's claims expire within the test


class MailSweep:
    """One sweep task (`task`) on workers made by the `start_worker` fixture, mailing `smtp_server`.

    `records` is the model whose rows the sweep claims and stamps `sent_at` on (Reminder,
    Digest, Invitation); `lease_setting` names the setting that says how long a claim lasts.
    """

    def __init__(self, task, *, records, lease_setting, start_worker, celery_client, smtp_server):
        self.task = task
        self.records = records
        self.lease = {lease_setting: str(LEASE_SECONDS)}
        self.start_worker = start_worker
        self.celery_client = celery_client
        self.smtp_server = smtp_server
        self.killed_at = None

    def run(self):
        """Send the sweep task through Redis and wait for a worker's answer."""
        return self.celery_client.send_task(self.task).get(timeout=TIMEOUT)

    def run_twice(self, expected_emails):
        """On one worker: sweep, wait for the expected mail, sweep again. Both answers."""
        self.start_worker("solo")
        first = self.run()
        self.smtp_server.wait_for(expected_emails)
        return first, self.run()

    def run_on_two_workers_at_once(self):
        """Two sweeps sent together, one taken by each of two workers; slow mail keeps them side by side."""
        self.smtp_server.handler.pause_each = 0.3
        self.start_worker("left")
        self.start_worker("right")
        results = [self.celery_client.send_task(self.task) for _ in range(2)]
        answers = [result.get(timeout=TIMEOUT) for result in results]
        workers = sorted(answer["worker"].split("@")[0] for answer in answers)
        assert workers == ["left", "right"], f"both sweeps should not run on one worker: {workers}"
        return answers

    def kill_worker_mid_send(self):
        """Kill (SIGKILL) a worker while its first email hangs; the rows it had claimed by then.

        Nothing reached the mail server: the hang is before the message is transmitted.
        """
        self.smtp_server.handler.pause_first = 25  # the first email hangs until we kill its sender
        doomed = self.start_worker("doomed", **self.lease)
        self.celery_client.send_task(self.task)
        assert self.smtp_server.handler.first_started.wait(TIMEOUT), doomed.log()
        doomed.kill()
        self.killed_at = time.monotonic()
        assert self.smtp_server.messages == [], "the killed worker's email should not have been sent"
        return list(self.records.objects.all())

    def run_after_the_lease(self):
        """A new worker sweeps once the killed worker's claims have run out; its answer."""
        successor = self.start_worker("successor", **self.lease)
        time.sleep(max(0.0, self.killed_at + LEASE_SECONDS + 0.5 - time.monotonic()))
        answer = self.run()
        assert answer["worker"] == successor.hostname, f"{answer['worker']} swept, not the successor"
        return answer

    def assert_one_email_each(self, addresses):
        """Each address got exactly one email (waiting so a duplicate on its way arrives), and every
        claimed row is stamped sent."""
        received = self.smtp_server.settle(1.0)
        assert self.smtp_server.count_by_address() == {address: 1 for address in addresses}, \
            [message["To"] for message in received]
        assert not self.records.objects.filter(sent_at__isnull=True).exists(), "a claimed row was never sent"
