"""Benchmark: Debrief scaled out on one machine, driven by Locust. Prints figures, asserts nothing.

    python3 benchmarks/scale_out.py --duration 60 --users 50

One command: it builds `.venv-bench` (requirements.txt + requirements-bench.txt, which pins
Locust; the same setup as scripts/serve, with VENV=.venv-bench) and runs itself from there.
Then, against one PostgreSQL database (`debrief_scale`, --database) and one Redis database
(redis://127.0.0.1:6379/9, --redis-url), it

- migrates, fills --count post-mortems once (benchmarks/list_pages.py's `fill`), indexes them
  for search, and adds one Debrief user per Locust user, each a member of a team, co-author
  (in pairs) of a few of its post-mortems and owner of three action items that are due, due
  soon or overdue; earlier runs' reminders and items are cleared, so each run starts alike;
- collects static files and starts two gunicorn instances (config/gunicorn.conf.py, --web-workers
  sync workers each) on ports 8101 and 8102 with production settings (DEBUG off, a random
  SECRET_KEY, the manifest static storage) except the HTTPS hardening, since Locust talks plain
  HTTP on localhost: no SSL redirect and no Secure-only cookies. That is why it starts gunicorn
  itself instead of scripts/serve, whose `check --deploy` would rightly refuse those settings;
- starts two Celery workers (`-c 1` each), beat and an SMTP server (aiosmtpd) that keeps every
  message. Beat runs the project's own schedule, except that the reminder sweep comes every
  --sweep-every seconds (10) instead of every 15 minutes, so sweeps happen during the run:
  settings.py fixes that interval, so this script's beat sets it on the Celery app before starting;
- runs Locust headless (benchmarks/locustfile.py) with --users users for --duration seconds,
  alternating users between the two instances, waits one more sweep for the last reminders, and
  prints per page: requests, requests/s, p50, p99 and failures; totals; the editor's conflicts;
  and the reminders sent, checked against what the SMTP server received (each exactly once).

Every process it starts is stopped on exit, Ctrl-C or error. Logs stay in a temporary folder,
printed at the end. Other options: --count (post-mortems, default 10,000), --fresh (drop the
database first), --spawn-rate (users started per second, default 10).
"""
import argparse
import csv
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
VENV = BASE_DIR / ".venv-bench"
PORTS = (8101, 8102)
USER_PREFIX = "scale-user-"
ITEM_PREFIX = "Scale-out follow-up"
POSTMORTEMS_PER_PAIR = 5
# Beat, as `celery -A config beat`, with the reminder sweep's interval shortened (seconds in argv[1]).
BEAT = """
import sys
from config.celery import app
every = float(sys.argv[1])
schedule = dict(app.conf.beat_schedule)
schedule["send-reminders"] = {**schedule["send-reminders"], "schedule": every, "options": {"expires": every}}
app.conf.beat_schedule = schedule
sys.exit(app.start(["beat", "--loglevel=INFO", "--schedule=" + sys.argv[2]]))
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds of load (default 60)")
    parser.add_argument("--users", type=int, default=50, help="Locust users, each its own Debrief user (default 50)")
    parser.add_argument("--spawn-rate", type=float, default=10, help="users started per second (default 10)")
    parser.add_argument("--count", type=int, default=10_000, help="post-mortems in the database (default 10,000)")
    parser.add_argument("--database", default="debrief_scale", help="PostgreSQL database (default debrief_scale)")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432",
                        help="PostgreSQL server URL without the database name")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/9", help="broker and results (default DB 9)")
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn workers per instance (default 3)")
    parser.add_argument("--sweep-every", type=float, default=10, help="seconds between reminder sweeps (default 10)")
    parser.add_argument("--fresh", action="store_true", help="drop and refill the database first")
    return parser.parse_args()


# The benchmark's own virtualenv ----------------------------------------------------------------

def run_in_bench_venv():
    """Build .venv-bench when a requirements file changed, then re-run this script with its Python."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    print("==> Preparing .venv-bench (requirements.txt + requirements-bench.txt)", flush=True)
    setup = subprocess.run(
        ["bash", "-c", "source scripts/setup.sh && ensure_python_env requirements-bench.txt && ensure_node_modules"],
        cwd=BASE_DIR, env={**os.environ, "VENV": str(VENV)}, capture_output=True, text=True,
    )
    if setup.returncode != 0:
        sys.exit(f"Setting up .venv-bench failed:\n{setup.stdout[-3000:]}\n{setup.stderr[-3000:]}")
    python = str(VENV / "bin" / "python")
    os.execv(python, [python, str(Path(__file__).resolve()), *sys.argv[1:]])


# Processes -------------------------------------------------------------------------------------

def stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt


def port_is_free(port):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def wait_until_ready(url, processes, name, timeout=90):
    """Poll /readyz until it answers 200 (database, migrations and broker all fine)."""
    deadline, answer = time.monotonic() + timeout, "no answer"
    while True:
        processes.check_alive(name)
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=3) as response:
                return
        except urllib.error.HTTPError as error:
            answer = f"{error.code} {error.read().decode(errors='replace')}"
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url}/readyz not ready within {timeout} s: {answer}")
        time.sleep(0.5)


def wait_for_workers(app, names, processes, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        answered = {hostname for reply in app.control.ping(timeout=1) for hostname in reply}
        if all(any(hostname.startswith(f"{name}@") for hostname in answered) for name in names):
            return
        for name in names:
            processes.check_alive(name)
        if time.monotonic() > deadline:
            raise RuntimeError(f"Celery workers not ready within {timeout} s (answered: {answered})")


# The database -----------------------------------------------------------------------------------

def ensure_database(server_url, name, *, fresh):
    import psycopg

    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as connection:
        if fresh:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def prepare_data(count, users):
    """The post-mortems (once), the benchmark's people and their due items (every run). Returns the plan."""
    from django.core.management import call_command
    from django.db import connection

    from benchmarks.list_pages import fill
    from postmortems import search
    from postmortems.models import PostMortem

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    fill(count)
    if PostMortem.objects.filter(search_vector__isnull=True).exists():
        search.rebuild_search_index()
    print(f"    {PostMortem.objects.count():,} post-mortems ready in {time.monotonic() - started:.0f} s", flush=True)
    password = secrets.token_urlsafe(16)
    plan = {"password": password, "users": add_people(users, password)}
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return plan


def add_people(count, password):
    """`count` people who sign in with `password`, in pairs co-authoring a few post-mortems of their team.

    Each owns three open items on those post-mortems: due in two days, due today and a week
    overdue, so the first sweep of the run owes each of them a reminder. Earlier runs' items
    and every reminder record are removed first, so each run sends the same first reminders.
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from postmortems.models import ActionItem, Membership, PostMortem, Reminder, Team

    User = get_user_model()
    Reminder.objects.all().delete()
    ActionItem.objects.filter(title__startswith=ITEM_PREFIX).delete()
    hashed = make_password(password)  # once: hashing it per person would take a second of CPU each
    teams = list(Team.objects.filter(slug__startswith="bench-").order_by("pk"))
    today = timezone.localdate()
    plan, items = [], []
    for n in range(count):
        pair = n // 2
        team = teams[pair % len(teams)]
        user, _ = User.objects.update_or_create(
            username=f"{USER_PREFIX}{n}",
            defaults={"email": f"{USER_PREFIX}{n}@example.test", "password": hashed, "is_active": True},
        )
        Membership.objects.get_or_create(team=team, user=user, defaults={"role": "member"})
        offset = (pair // len(teams)) * POSTMORTEMS_PER_PAIR
        postmortems = list(PostMortem.objects.filter(team=team, kind="technical").order_by("-created_at", "-id")
                           [offset:offset + POSTMORTEMS_PER_PAIR])
        for postmortem in postmortems:
            postmortem.authors.add(user)
        for k, days in enumerate([2, 0, -7]):
            items.append(ActionItem(postmortem=postmortems[k % len(postmortems)], owner=user,
                                    title=f"{ITEM_PREFIX} {k + 1} of {user.username}",
                                    due_date=today + timedelta(days=days)))
        plan.append({"username": user.username, "postmortems": [p.pk for p in postmortems]})
    ActionItem.objects.bulk_create(items)
    return plan


# The run ----------------------------------------------------------------------------------------

def service_env(args, database_url, smtp_port):
    """Production settings for every Debrief process, less HTTPS hardening (plain HTTP on localhost)."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("CELERY_", "EMAIL_", "DJANGO_", "SECURE_", "PYTEST", "TEST_", "VIRTUAL_ENV"))}
    env.update(
        DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url, REDIS_URL=args.redis_url, SITE_URL=f"http://127.0.0.1:{PORTS[0]}",
        SECURE_SSL_REDIRECT="false", SESSION_COOKIE_SECURE="false", CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0", STATIC_PLAIN="false",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port), EMAIL_USE_TLS="false", DEFAULT_FROM_EMAIL="Debrief <debrief@example.test>",
        WEB_CONCURRENCY=str(args.web_workers), PYTHONUNBUFFERED="1",
    )
    return env


def start_services(args, processes, env, directory):
    bin_dir = VENV / "bin"
    subprocess.run([str(bin_dir / "python"), "manage.py", "collectstatic", "--no-input", "-v", "0"],
                   cwd=BASE_DIR, env=env, check=True)
    for n, port in enumerate(PORTS, start=1):
        processes.start(f"web{n}", [str(bin_dir / "gunicorn"), "-c", "config/gunicorn.conf.py",
                                    "config.wsgi:application"], {**env, "BIND": f"127.0.0.1:{port}"})
    for n in (1, 2):
        processes.start(f"worker{n}", [str(bin_dir / "celery"), "-A", "config", "worker", "-c", "1",
                                       "-n", f"scale{n}@%h", "--without-gossip", "--without-mingle",
                                       "--loglevel=INFO"], env)
    for n, port in enumerate(PORTS, start=1):
        wait_until_ready(f"http://127.0.0.1:{port}", processes, f"web{n}")
    from celery import Celery

    app = Celery("scale-out-client", broker=args.redis_url, backend=args.redis_url)
    try:
        wait_for_workers(app, ["scale1", "scale2"], processes)
    finally:
        app.close()
    processes.start("beat", [str(bin_dir / "python"), "-c", BEAT, str(args.sweep_every),
                             str(directory / "beat-schedule")], env)


def run_locust(args, env, directory, plan):
    plan_path, results_path = directory / "plan.json", directory / "outcomes.json"
    plan_path.write_text(json.dumps(plan))
    locust_env = {**env, "SCALE_OUT_PLAN": str(plan_path), "SCALE_OUT_RESULTS": str(results_path),
                  "SCALE_OUT_HOSTS": ",".join(f"http://127.0.0.1:{port}" for port in PORTS)}
    command = [str(VENV / "bin" / "locust"), "-f", "benchmarks/locustfile.py", "--headless",
               "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.duration}s",
               "--csv", str(directory / "locust"), "--only-summary", "--loglevel", "WARNING",
               "--stop-timeout", "10"]
    with (directory / "locust.log").open("wb") as log:
        # Locust exits 1 when any request failed; the figures say which.
        subprocess.run(command, cwd=BASE_DIR, env=locust_env, stdout=log, stderr=subprocess.STDOUT)
    stats_path = directory / "locust_stats.csv"
    if not stats_path.exists():
        raise RuntimeError(f"Locust wrote no statistics:\n{(directory / 'locust.log').read_text()[-3000:]}")
    with stats_path.open() as stats:
        rows = list(csv.DictReader(stats))
    outcomes = json.loads(results_path.read_text()) if results_path.exists() else {}
    return rows, outcomes


def wait_for_last_sweep(seconds, processes):
    """Let beat and the workers send what the run's last moves made due, until nothing is claimed but unsent."""
    from postmortems.models import Reminder

    time.sleep(seconds)
    quiet_deadline = time.monotonic() + 60
    while Reminder.objects.filter(sent_at__isnull=True).exists() and time.monotonic() < quiet_deadline:
        time.sleep(1)
    for name in ("worker1", "worker2", "beat"):
        processes.check_alive(name)


# The report -------------------------------------------------------------------------------------

def print_pages(rows):
    print(f"\n{'page':<16}{'requests':>9}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'failures':>9}")
    for row in rows:
        if row["Name"] == "Aggregated":
            continue
        print(f"{row['Name']:<16}{row['Request Count']:>9}{float(row['Requests/s']):>8.1f}"
              f"{row['50%']:>8}{row['99%']:>8}{row['Failure Count']:>9}")
    total = next(row for row in rows if row["Name"] == "Aggregated")
    print(f"{'all pages':<16}{total['Request Count']:>9}{float(total['Requests/s']):>8.1f}"
          f"{total['50%']:>8}{total['99%']:>8}{total['Failure Count']:>9}")


def requests_per_instance(processes):
    """Requests each gunicorn instance logged (its access log), health probes left out."""
    counts = {}
    for n, port in enumerate(PORTS, start=1):
        lines = processes.log(f"web{n}").splitlines()
        counts[port] = sum(1 for line in lines if re.search(r'"(GET|POST) /', line) and "/readyz" not in line)
    return counts


def print_failures(directory):
    path = directory / "locust_failures.csv"
    if not path.exists():
        return
    with path.open() as failures:
        rows = list(csv.DictReader(failures))
    for row in rows[:10]:
        print(f"  failure: {row['Method']} {row['Name']}: {row['Error'][:160]} (×{row['Occurrences']})")


def reminder_report(smtp):
    """What the database recorded as sent, checked against what the SMTP server received."""
    from postmortems.models import Reminder

    rows = list(Reminder.objects.values_list("item_id", "recipient__email", "reason", "sent_at", "attempts"))
    sent = [row for row in rows if row[3] is not None]
    recorded = Counter((item, email) for item, email, *_ in sent)
    received, reminder_emails = Counter(), 0
    for message in smtp.messages:
        body = message.get_body(("plain",)).get_content()
        items = re.findall(r"/actions/(\d+)/", body)
        if not items:
            continue  # not a reminder (a digest, say)
        reminder_emails += 1
        for address in message["To"].addresses:
            received.update((int(item), address.addr_spec) for item in items)
    by_reason = Counter(reason for _, _, reason, *_ in sent)
    print(f"\nreminders sent: {len(sent)} in {reminder_emails} emails "
          f"({', '.join(f'{reason} {n}' for reason, n in sorted(by_reason.items()))})")
    print(f"  records claimed but unsent: {len(rows) - len(sent)}; sent after a retry: "
          f"{sum(1 for row in sent if row[4] > 1)}")
    duplicates = {key: n for key, n in received.items() if n > recorded.get(key, 0)}
    missing = {key: n for key, n in recorded.items() if received.get(key, 0) < n}
    if not duplicates and not missing:
        print("  each (item, recipient, reason, date) sent exactly once: every sent record arrived once, "
              "nothing arrived twice")
    else:
        print(f"  NOT exactly once: {len(duplicates)} item/recipient pairs arrived more often than recorded, "
              f"{len(missing)} recorded but not received")


def report(args, rows, outcomes, processes, smtp, directory, load_before):
    print(f"\n=== {args.users} users for {args.duration} s on 2 gunicorn instances × {args.web_workers} workers, "
          f"2 Celery workers, beat; {args.count:,} post-mortems ===")
    print_pages(rows)
    print_failures(directory)
    counts = requests_per_instance(processes)
    print("\nrequests per instance (gunicorn access logs): " + ", ".join(f":{port} {n}" for port, n in counts.items()))
    conflicts = {key: n for key, n in outcomes.items() if key.startswith("conflict")}
    print(f"edits saved: {outcomes.get('saved', 0)}; conflicts (409, expected): {sum(conflicts.values())}"
          + (f" ({', '.join(f'{key[10:]} {n}' for key, n in sorted(conflicts.items()))})" if conflicts else "")
          + f"; due dates moved: {outcomes.get('due dates moved', 0)}")
    failed_saves = {key: n for key, n in outcomes.items() if key.startswith("save failed")}
    if failed_saves:
        print(f"saves that failed: {failed_saves}")
    reminder_report(smtp)
    sweeps = {name: processes.log(name).count("Task postmortems.send_reminders[") for name in ("worker1", "worker2")}
    print(f"  reminder sweeps run: {sum(sweeps.values())} "
          f"({', '.join(f'{name} {n}' for name, n in sweeps.items())}), beat every {args.sweep_every:g} s")
    print(f"\nload average (1 min) before the run {load_before:.1f}, after {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    print(f"logs: {directory}")


def main():
    args = parse_args()
    run_in_bench_venv()
    sys.path.insert(0, str(BASE_DIR))
    database_url = f"{args.postgres.rstrip('/')}/{args.database}"
    busy = [port for port in PORTS if not port_is_free(port)]
    if busy:
        sys.exit(f"Port(s) {busy} are in use: is another scale-out run going?")
    ensure_database(args.postgres.rstrip("/"), args.database, fresh=args.fresh)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    print(f"==> Preparing {database_url}", flush=True)
    plan = prepare_data(args.count, args.users)

    import redis

    from tests.integration.processes import Processes
    from tests.integration.smtp import SMTPServer

    redis.Redis.from_url(args.redis_url).flushdb()
    directory = Path(tempfile.mkdtemp(prefix="debrief-scale-out-"))
    processes = Processes(directory)
    smtp = SMTPServer().start()
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    try:
        env = service_env(args, database_url, smtp.port)
        print("==> Starting 2 web instances, 2 workers and beat", flush=True)
        start_services(args, processes, env, directory)
        print(f"==> Locust: {args.users} users for {args.duration} s", flush=True)
        load_before = os.getloadavg()[0]
        rows, outcomes = run_locust(args, env, directory, plan)
        print("==> Waiting for the last reminder sweep", flush=True)
        wait_for_last_sweep(args.sweep_every + 2, processes)
        report(args, rows, outcomes, processes, smtp, directory, load_before)
    except KeyboardInterrupt:
        print("\nInterrupted; stopping every process.", file=sys.stderr)
        sys.exit(130)
    finally:
        processes.stop_all()
        smtp.stop()


if __name__ == "__main__":
    main()
