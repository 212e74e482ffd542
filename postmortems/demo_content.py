"""Demo organisation for `manage.py seed_demo`: people, teams and post-mortem scenarios, and the functions that build them.

All text here was written for Debrief's demo. Each scenario is a small template; the builder fills in
dates, authors, statuses and action-item states from a seeded `random.Random`, so a given seed always
produces the same organisation relative to "now".
"""
import random
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db.models import Q
from django.utils import timezone

from postmortems import search
from postmortems.blame import analyze
from postmortems.models import (
    ActionItem, BlameAcknowledgement, ContributingFactor, Membership, PostMortem, Profile, Revision, Team, Theme,
    TimelineEvent,
)
from postmortems.revisions import record_revision

DEMO_DOMAIN = "debrief.example"
DEMO_PASSWORD = "debrief-demo"
DEFAULT_SEED = 20240611

# People ------------------------------------------------------------------------------------------

# (username, first name, last name, time zone)
PEOPLE = [
    ("priya", "Priya", "Raman", "Europe/London"),
    ("tomas", "Tomás", "Ortega", "Europe/Madrid"),
    ("grace", "Grace", "Mensah", "Europe/London"),
    ("devansh", "Devansh", "Iyer", "Asia/Kolkata"),
    ("samira", "Samira", "Haddad", "Europe/Berlin"),
    ("kenji", "Kenji", "Watanabe", "Asia/Tokyo"),
    ("olu", "Olu", "Adeyemi", "UTC"),
    ("maria", "María", "López", "America/New_York"),
    ("jonah", "Jonah", "Friedman", "America/Chicago"),
    ("aisha", "Aisha", "Khan", "America/New_York"),
    ("leo", "Leo", "Novak", "UTC"),
    ("hannah", "Hannah", "Berg", "Europe/London"),
    ("rafael", "Rafael", "Costa", "America/Sao_Paulo"),
    ("meera", "Meera", "Pillai", "Asia/Kolkata"),
]
ADMIN = ("admin", "Demo", "Admin", "UTC")

# slug: (name, description, lead, members). Devansh is in two teams on purpose.
TEAMS = {
    "payments": ("Payments", "Checkout, payouts, refunds and everything that touches money.",
                 "priya", ["tomas", "grace", "devansh"]),
    "platform": ("Platform", "Infrastructure, CI, databases and the on-call rota behind them.",
                 "samira", ["kenji", "olu", "devansh"]),
    "customer-support": ("Customer Support", "The help desk, help centre, chat and phone lines.",
                         "maria", ["jonah", "aisha", "leo"]),
    "people-ops": ("People Ops", "Hiring, onboarding, payroll and the tools behind them.",
                   "hannah", ["rafael", "meera"]),
}

# Themes ------------------------------------------------------------------------------------------

SCALE = "Worked at small scale, broke at scale"
INSTR = "Missing instrumentation or feedback"
COUPLING = "Tight coupling / single point of failure"
OVERLOAD = "One overloaded component or person"
OVERREACT = "Overreaction under pressure"
OVERBUILT = "Overbuilt or premature process"
SILO = "Knowledge silo"
OWNERSHIP = "Unclear ownership"
ALERTS = "Alert fatigue"
CHANGE = "Change management"
CAPACITY = "Capacity"
DEPENDENCY = "Dependency failure"
COMMS = "Communication gap"
HANDOFF = "Hand-off breakdown"
# Team-specific themes: (team slug, name, description)
PROVIDER = "Provider retry semantics"
LOOP = "Interview loop design"
TEAM_THEMES = [
    ("payments", PROVIDER, "How our payment provider retries, redelivers and times out, and what we assume about it."),
    ("people-ops", LOOP, "The shape of our interview process: stages, panels, scheduling and feedback."),
]


@dataclass
class Scenario:
    """One incident template: fixed text, with dates and people filled in by the builder."""

    team: str
    kind: str
    severity: int
    title: str
    summary: str
    impact: str
    start: str
    detect: str
    fix: str
    detect_after: int  # minutes from start to detection
    resolve_after: int  # minutes from start to resolution
    factors: list
    actions: list  # (title, priority)
    events: list = field(default_factory=list)
    well: str = ""
    lucky: str = ""
    lesson: str = ""
    share_with: list = field(default_factory=list)  # team slugs whose lead may read a people incident
    blame: str = ""  # a deliberately blameful sentence; forces the post-mortem to stay a draft
    revision: dict = None  # a second version: {"summary": ..., "lesson": ..., "note": ...}
    starts: tuple = None  # (weekday or None, UTC hour) when the text names a time of day


T, P = PostMortem.Kind.TECHNICAL, PostMortem.Kind.PEOPLE
HOUR, DAY = 60, 24 * 60

SCENARIOS = [
    # Payments ---------------------------------------------------------------------------------
    Scenario(
        "payments", T, 1, "Card payments failed after provider certificate rotation",
        "For 47 minutes most card payments in Europe failed. Our payment provider rotated an intermediate "
        "TLS certificate, and the certificate bundle pinned in `payments-gateway` did not include the new chain.",
        "Customers saw a generic \"payment failed\" message at checkout.\n\n"
        "| Region | Failed attempts | Share of attempts | Recovered by a later retry |\n"
        "|---|---:|---:|---:|\n| EU | 18,400 | 61% | 72% |\n| UK | 6,100 | 58% | 69% |\n| US | 210 | 3% | 90% |\n\n"
        "Estimated lost revenue after retries: about €41,000.",
        "Provider rotates its intermediate certificate; TLS handshakes from `payments-gateway` start failing.",
        "Checkout success-rate alert fires and on-call acknowledges.",
        "Pinned bundle replaced with the system CA store and the gateway redeployed.",
        4, 47,
        [(DEPENDENCY, "The provider announced the rotation in a developer changelog that no one on the team subscribed to."),
         (SILO, "Only one engineer remembered that the gateway pinned certificates; the reason was in a 2021 design doc."),
         (INSTR, "Handshake failures were logged but not counted, so the alert fired on the symptom, not the cause.")],
        [("Remove certificate pinning from payments-gateway", "high"),
         ("Subscribe the team alias to provider changelog and status feeds", "medium"),
         ("Alert on TLS handshake failures per upstream", "medium")],
        events=["Provider status page checked: no incident listed.",
                "Gateway logs show `x509: certificate signed by unknown authority`."],
        well="The checkout success-rate alert fired within four minutes and paged the right rota.",
        lucky="It happened on a weekday morning in Europe, when the one person who remembered the pinning was online.",
        lesson="Pinning buys us little against a provider we already authenticate with API keys, and it costs us every time they rotate.",
        revision={"summary": " We first suspected a provider outage; the pinned bundle was confirmed as the cause 31 minutes in.",
                  "lesson": "Keep a list of every place we pin or cache a provider's identity, with an owner for each.",
                  "note": "Clarified the diagnosis after the review meeting"},
    ),
    Scenario(
        "payments", T, 2, "Duplicate refunds from a redelivered webhook",
        "During a partial outage on the provider's side, `refund.succeeded` webhooks were delivered twice. "
        "Our handler was not idempotent, so 312 customers were refunded twice.",
        "- 312 duplicate refunds, about €9,800 in total\n- Finance recovered 94% through the provider's reversal "
        "process over two weeks\n- No customer was charged incorrectly",
        "Provider starts redelivering refund webhooks after timeouts on their side.",
        "Finance notices the daily refund total is twice the usual figure.",
        "Deduplication on provider event id deployed; duplicate refunds exported for reversal.",
        9 * HOUR, 13 * HOUR,
        [(PROVIDER, "The provider retries on any slow response, not only on errors, which was not in our mental model."),
         (SCALE, "With a handful of refunds a day a duplicate was rare enough to go unseen; at current volume a partial outage produced hundreds."),
         (INSTR, "Nothing compared refund volume with the previous week.")],
        [("Make every webhook handler idempotent on provider event id", "high"),
         ("Alert when daily refund volume exceeds 1.5× the 7-day median", "medium")],
        events=["Handler confirmed to process each delivery without checking the event id."],
        well="Finance and engineering were in one channel within twenty minutes and worked from a single shared spreadsheet.",
        lucky="Most customers had not yet spent the extra refund, so reversals went through cleanly.",
        lesson="Every webhook handler should assume at-least-once delivery.",
    ),
    Scenario(
        "payments", T, 3, "Merchant payouts delayed by a reconciliation lock",
        "Merchant payouts went out nine hours late because the nightly reconciliation job held a table lock "
        "far longer than usual after a manual backfill.",
        "About 1,900 merchants were paid late on one day and Support received 140 contacts. No money was lost.",
        "Nightly reconciliation starts with a large backlog left by a manual backfill.",
        "Payout job misses its 06:00 UTC deadline; the scheduler sends a warning email.",
        "Reconciliation paused, payout batch run by hand, reconciliation resumed afterwards.",
        5 * HOUR, 9 * HOUR,
        [(COUPLING, "Payouts and reconciliation write to the same table, and nothing orders the two jobs."),
         (ALERTS, "The deadline warning goes to a shared inbox that receives hundreds of similar emails a week."),
         (CHANGE, "The backfill was not on the change calendar, so nobody connected it to the nightly jobs.")],
        [("Send payout deadline warnings to the paging rota", "high"),
         ("Batch reconciliation writes so locks are released", "medium"),
         ("Add backfills to the change calendar template", "low")],
        events=["On-call finds the payout job waiting on a lock held by `reconcile_ledger`."],
        well="Once noticed, the manual payout run was well rehearsed and took fifteen minutes.",
        lesson="A warning that lands in a noisy inbox is not a warning.",
        starts=(None, 1),
    ),
    Scenario(
        "payments", T, 4, "Zero-decimal currencies shown with cents on invoices",
        "Invoices in JPY and KRW showed amounts with two decimal places, which some customers read as a "
        "100× overcharge. The amounts charged were correct.",
        "Around 60 customers saw confusing invoices over three days; 11 contacted Support.",
        "Release moves invoice rendering to a shared money formatter.",
        "Support escalates a customer's screenshot of a ¥1,200.00 invoice.",
        "Formatter now uses each currency's minor-unit exponent; affected invoices regenerated.",
        2 * DAY, 3 * DAY,
        [(SILO, "The zero-decimal rule lived in the old invoice template and nowhere else."),
         (INSTR, "No test covered currencies without two decimal places.")],
        [("Property tests for every currency we sell in", "medium")],
        well="Support included the invoice id with the screenshot, which made it a ten-minute diagnosis.",
        lesson="Money formatting belongs in one library, with tests for every currency we support.",
    ),
    Scenario(
        "payments", T, 2, "Fraud scoring timeouts during the spring sale",
        "During the spring sale the fraud-scoring service ran out of database connections, and checkout fell "
        "back to declining payments above €200.",
        "For 38 minutes roughly 4% of checkouts were declined. Conversion over the sale window dropped by an "
        "estimated 2.1%.",
        "Sale traffic reaches three times normal; the fraud-scoring pool saturates at `max_connections=50`.",
        "Latency alert on fraud scoring, followed by a spike in declined checkouts.",
        "Connection pool raised and two more replicas added.",
        6, 38,
        [(CAPACITY, "Capacity plans were based on last year's peak, before two new markets launched."),
         (SCALE, "A fixed pool of 50 connections had been fine for three years."),
         (OVERREACT, "Raising the fallback threshold was reasonable in the moment, but it was not written down and stayed in place for a week.")],
        [("Load test fraud scoring at 4× peak before each sale", "high"),
         ("Expiry reminders for emergency configuration changes", "medium"),
         ("Restore the €200 fallback threshold", "high")],
        events=["Fallback threshold temporarily raised to €500 to let more checkouts through."],
        well="The fallback behaved as designed: checkout degraded rather than failing outright.",
        lucky="The fraud team was online for the sale and could judge the risk of changing the threshold.",
        lesson="Temporary changes made under pressure need an owner and an expiry date.",
    ),
    Scenario(
        "payments", T, 3, "Exchange rates frozen after a cron host was retired",
        "Displayed exchange rates stopped updating for 26 hours because the job that fetched them ran from a "
        "crontab on a host retired during the platform migration.",
        "Prices in 14 currencies were up to 1.8% off. We absorbed the difference; nobody paid more than the "
        "price they were shown.",
        "Old cron host switched off as part of the platform migration.",
        "A merchant asks why GBP prices have not moved despite a large rate change.",
        "Rate fetch moved to the scheduled-jobs platform and rates refreshed.",
        20 * HOUR, 26 * HOUR,
        [(OWNERSHIP, "The job was created by a team that no longer exists, and no one listed it as theirs."),
         (HANDOFF, "The migration checklist covered services, not crontab entries on shared hosts."),
         (INSTR, "We did not alert on the age of the newest exchange rate.")],
        [("Alert when the newest exchange rate is more than 2 hours old", "high"),
         ("Inventory the remaining crontabs on shared hosts", "medium")],
        well="The migration team had kept a snapshot of the old host, so the crontab could be recovered exactly.",
        lesson="Anything that runs on a schedule needs an owner and a freshness check.",
    ),
    Scenario(
        "payments", T, 2, "Checkout errors after enabling a wallet payment flag",
        "Turning on a new wallet payment option for 10% of users caused checkout to return errors for everyone "
        "in Brazil, because the flag client read the default `\"false\"` as a non-empty, and therefore true, string.",
        "Checkout failed for all Brazilian users for 22 minutes, about 1,300 sessions.",
        "Wallet flag set to 10% in the flag console.",
        "Checkout error-rate alert fires for `sa-east-1`.",
        "Config cache flushed and the flag client fixed to parse booleans.",
        3, 22,
        [(CHANGE, "Flag changes skip the review that code changes get."),
         (COUPLING, "The checkout page loads every payment option in one call, so one broken option breaks the whole page.")],
        [("Typed flag values in the flag client", "high"),
         ("Render payment options independently", "medium")],
        events=["Flag switched off; errors continue because of a cached config."],
        well="Switching the flag off was one click and the team tried it immediately.",
        lucky="The flag only reached one region before the alert fired.",
        lesson="Flags are code: they need types, review and a rollback that actually takes effect.",
    ),
    Scenario(
        "payments", T, 4, "Month-end settlement report missed the last day",
        "The monthly settlement report for Finance left out the last day of the month, because the query "
        "compared a naive date against timestamps stored in UTC.",
        "Finance's month-end close slipped by one day while totals were reconciled by hand.",
        "Month-end settlement report generated.",
        "Finance sees totals 3% below the provider's statement.",
        "Query rewritten with an explicit UTC range and the report regenerated.",
        7 * HOUR, 30 * HOUR,
        [(SILO, "The report was built by a contractor, and only Finance knew how to read it."),
         (COMMS, "Finance raised the mismatch in their own channel; it reached engineering the next afternoon.")],
        [("Test month boundaries in every time zone we report in", "medium"),
         ("Shared Finance–Engineering channel for report questions", "low")],
        well="Finance had an independent provider statement to check against.",
        lesson="Reports that close the books deserve the same tests as the code that moves money.",
    ),
    # Platform ---------------------------------------------------------------------------------
    Scenario(
        "platform", T, 1, "Primary database failover took 14 minutes",
        "A storage fault on the primary PostgreSQL instance triggered a failover that normally takes under a "
        "minute. It took 14, because the replica was lagging after a large index build.",
        "All writes failed for 14 minutes while read-only pages stayed up. Roughly 22,000 requests returned errors.",
        "Storage volume on the primary starts returning I/O errors.",
        "Database health check fails and automatic failover begins.",
        "Replica caught up and was promoted; applications reconnected.",
        1, 16,
        [(CHANGE, "An index build ran on the primary during business hours without a check on replication lag."),
         (INSTR, "Replication lag was graphed but not alerted on."),
         (COUPLING, "Every service writes to the same primary.")],
        [("Alert on replication lag above 30 seconds", "high"),
         ("Build large indexes `CONCURRENTLY` in the maintenance window", "medium"),
         ("Game day: fail over with a lagging replica", "medium")],
        events=["Replica found to be nine minutes behind; failover waits for it.",
                "Team decides to wait rather than promote with data loss."],
        well="The team chose to wait rather than promote a stale replica, which avoided any data loss.",
        lucky="The index build had just finished; an hour earlier the lag would have been far worse.",
        lesson="Replication lag is a failover-time budget and deserves an alert like any other budget.",
        revision={"summary": " The storage fault was in the cloud provider's block storage; their report is linked in the action items.",
                  "lesson": "Write down the decision rule for promoting a lagging replica before we need it.",
                  "note": "Added the provider's findings"},
    ),
    Scenario(
        "platform", T, 3, "Log aggregation filled its disks",
        "Log aggregation stopped accepting logs for three hours after its disks filled. A busy service had been "
        "deployed with `LOG_LEVEL=debug` to chase a bug, and the setting stayed on.",
        "Three hours of logs are missing for most services. There was no customer impact, but two unrelated "
        "investigations lost evidence.",
        "A service is deployed with debug logging to investigate an intermittent error.",
        "Engineers notice that log searches return nothing recent.",
        "Debug logging turned off and old indices deleted to free space.",
        2 * HOUR, 3 * HOUR + 20,
        [(SCALE, "Debug logging was harmless on quiet services; this one handles 4,000 requests a second."),
         (ALERTS, "The disk alert had been firing at 80% for months, so 95% did not stand out.")],
        [("Per-service log volume quota with an alert", "medium"),
         ("Retune log-node disk alerts so they fire rarely and mean something", "medium")],
        well="Ingestion recovered by itself once space was freed; no manual replay was needed.",
        lesson="Temporary debug settings need an automatic expiry.",
    ),
    Scenario(
        "platform", T, 2, "Expired wildcard certificate took down internal tools",
        "The wildcard certificate for `*.internal.debrief.example` expired, taking the admin panel, CI "
        "dashboards and the on-call wiki down together.",
        "Internal tools were unavailable for about two hours. The runbook for renewing the certificate was "
        "itself on one of the affected hosts.",
        "The certificate expires at midnight UTC.",
        "Engineers starting their day in India report browser errors on the admin panel.",
        "Certificate renewed by hand with the registrar's CLI.",
        4 * HOUR, 6 * HOUR,
        [(OWNERSHIP, "Renewal was a calendar reminder owned by someone who had since moved teams."),
         (COUPLING, "The runbook lived behind the thing it explained how to fix."),
         (HANDOFF, "The handover when the owner moved teams listed services but not recurring chores.")],
        [("Automate internal certificate renewal with ACME", "high"),
         ("Mirror runbooks somewhere outside the internal domain", "medium"),
         ("Add recurring chores to the team-change handover checklist", "low")],
        events=["Renewal runbook unreachable: the wiki uses the same certificate."],
        well="An engineer remembered an exported copy of the renewal steps from an earlier game day.",
        lesson="Runbooks must be reachable while the thing they describe is broken.",
        starts=(None, 0),
    ),
    Scenario(
        "platform", T, 2, "Node pool upgrade left search with no ready replicas",
        "A node pool upgrade drained nodes faster than pods could be rescheduled. The search API had no "
        "PodDisruptionBudget, so for a few minutes it had zero ready replicas.",
        "Search returned errors for 9 minutes; list pages fell back to showing recent items.",
        "Managed node pool upgrade starts with a surge of three nodes.",
        "Synthetic search check fails.",
        "Upgrade paused; replicas recover as new nodes become ready.",
        2, 11,
        [(CHANGE, "Upgrades are started from the cloud console with defaults rather than from reviewed configuration."),
         (SILO, "Which services lacked disruption budgets was known from one engineer's notes."),
         (SCALE, "With fewer services, upgrades used to finish before anyone noticed.")],
        [("Require a PodDisruptionBudget for every Deployment", "high"),
         ("Run node pool upgrades from Terraform with review", "medium")],
        well="The fallback to recent items meant most people never saw an error page.",
        lesson="Safe defaults belong in the platform, not in each team's memory.",
    ),
    Scenario(
        "platform", T, 3, "CI queue backed up for most of a day",
        "The CI runner autoscaler hit the cloud account's vCPU quota, so jobs queued for up to four hours and "
        "two releases slipped to the next day.",
        "About 60 engineers waited on CI for most of a working day.",
        "A monorepo change doubles the number of test shards.",
        "Engineers report long-queued jobs in #dev-help.",
        "Quota increase granted; shard count reduced in the meantime.",
        3 * HOUR, 9 * HOUR,
        [(CAPACITY, "The vCPU quota had not been reviewed since engineering doubled in size."),
         (SCALE, "More shards were free until they met a hard limit."),
         (INSTR, "The autoscaler's errors only appeared in its own logs.")],
        [("Alert on autoscaler scale-up failures", "medium"),
         ("Quarterly review of cloud quotas against growth", "low")],
        events=["Autoscaler logs show `QuotaExceeded` on every scale-up attempt."],
        well="Reverting the shard count gave partial relief within an hour.",
        lesson="Hard cloud quotas are capacity limits and belong in capacity reviews.",
    ),
    Scenario(
        "platform", T, 2, "DNS clean-up broke transactional email",
        "A DNS clean-up removed an SPF include for our transactional email provider, so password resets and "
        "notifications were rejected or marked as spam for most of a day.",
        "About 40% of transactional email did not arrive for 19 hours. Password resets were hit hardest.",
        "DNS clean-up change merged, removing TXT records believed to be unused.",
        "Support sees a rise in \"I never got the reset email\" tickets.",
        "SPF record restored; the provider's queue retried deferred mail.",
        11 * HOUR, 19 * HOUR,
        [(SILO, "Which TXT records were load-bearing was known only to the person who set up the email provider."),
         (CHANGE, "The change was reviewed for syntax, but nobody could say what each record was for."),
         (COMMS, "Support saw the pattern hours before engineering heard about it.")],
        [("Annotate every DNS record with its purpose and owner", "medium"),
         ("Alert on transactional email bounce rate", "high")],
        well="Once the cause was clear, restoring the record took minutes.",
        lesson="Every DNS record should say, next to it in the repo, what depends on it.",
    ),
    Scenario(
        "platform", T, 3, "Cache stampede after changing the cache key format",
        "Deploying a new cache key format invalidated every cached product page at once, and the database took "
        "the full load.",
        "p95 latency on product pages rose from 180 ms to 4 s for 25 minutes.",
        "Deploy changes the cache key prefix from `v3:` to `v4:`.",
        "Latency alert on product pages.",
        "Deploy rolled back; the new format re-released later with a gradual warm-up.",
        4, 25,
        [(SCALE, "A cold cache was fine with 2,000 products; the catalogue now has 90,000."),
         (OVERLOAD, "The database absorbs every cache miss, with no request coalescing in front of it."),
         (CHANGE, "The deploy checklist has no step for changes that affect caching.")],
        [("Coalesce concurrent cache misses for product pages", "medium"),
         ("Checklist item for cache-key changes", "low")],
        well="Rollback took under four minutes.",
        lesson="A cache key change is a data migration and needs a warm-up plan.",
    ),
    Scenario(
        "platform", T, 3, "Secret rotation stopped background workers",
        "Rotating the queue broker password updated the web pods but not the background workers, which read "
        "secrets only at start-up. Exports and notification emails stopped for two hours.",
        "Exports and notifications were delayed by up to two hours. Nothing was lost.",
        "Scheduled broker password rotation runs.",
        "Queue depth alert fires for the `default` queue.",
        "Workers restarted and picked up the new secret.",
        70, 2 * HOUR,
        [(HANDOFF, "Rotation was scripted by one team for web pods; workers were added later by another."),
         (OWNERSHIP, "Nobody owned the question \"what reads this secret?\""),
         (INSTR, "Worker authentication failures were logged as warnings and retried silently.")],
        [("Restart every consumer as part of the rotation script", "high"),
         ("Treat broker authentication failures as errors", "medium")],
        well="Queued jobs were kept and ran in order once workers reconnected.",
        lesson="A rotation is finished only when every consumer has reconnected.",
    ),
    Scenario(
        "platform", T, 2, "Restore test found three weeks of unusable backups",
        "A scheduled restore test found that three weeks of nightly backups of the analytics database could not "
        "be restored: the dumps had completed with warnings after a schema change and were incomplete.",
        "No production data was lost, but for three weeks we had no usable backup of the analytics database.",
        "A migration changes table dependencies; nightly dumps finish with warnings.",
        "Monthly restore test fails.",
        "Fresh backup taken and verified by a full restore.",
        21 * DAY, 21 * DAY + 6 * HOUR,
        [(INSTR, "The backup job reported success even when the dump contained errors."),
         (OWNERSHIP, "The analytics database sits between Platform and Data, and each assumed the other checked its backups.")],
        [("Fail backup jobs on any dump warning", "high"),
         ("Restore-test weekly instead of monthly", "medium")],
        well="The monthly restore test exists, and it did its job.",
        lucky="Nothing needed restoring during those three weeks.",
        lesson="A backup is only a backup once it has been restored.",
    ),
    Scenario(
        "platform", T, 4, "New rate limiter locked out the London office",
        "A new rate limiter treated the office's shared NAT address as a single client and locked out everyone "
        "in the London office for 40 minutes.",
        "Staff in the London office could not use the app. Customers were not affected.",
        "Rate limiter enabled with a per-IP limit of 600 requests a minute.",
        "Several people in the office report `429 Too Many Requests`.",
        "Office range allow-listed; limits keyed on session where one exists.",
        12, 40,
        [(SCALE, "The per-IP limit was tested from a single laptop."),
         (COMMS, "The rollout was announced in the platform channel, which most office staff do not read.")],
        [("Key rate limits on session or API token where present", "medium")],
        well="People reported the problem quickly and included the exact status code.",
        lesson="Rate limit by the identity you care about, not the one that is easiest to read.",
        blame="Whoever enabled the limiter should have tested it from the office network first.",
    ),
    Scenario(
        "platform", T, 3, "Metrics gap hid a slow memory leak",
        "Our metrics pipeline dropped data for two days after a vendor storage upgrade. During that gap a memory "
        "leak in the notifications service grew unnoticed until its pods began restarting.",
        "Notifications were delayed by up to 20 minutes for part of a day.",
        "Vendor upgrades metrics storage; ingestion silently stops for some series.",
        "Notifications pods restart repeatedly with out-of-memory kills.",
        "Leak fixed and metrics ingestion restored.",
        2 * DAY, 2 * DAY + 5 * HOUR,
        [(INSTR, "Nothing alerted on missing metrics, and an empty graph looks calm."),
         (DEPENDENCY, "The vendor upgrade happened without notice to us."),
         (ALERTS, "Restart alerts are common enough that the first few were dismissed.")],
        [("Alert when a key metric stops reporting", "high"),
         ("Ask the vendor for maintenance notifications", "low")],
        events=["Dashboards found to be empty since the weekend."],
        well="Heap profiles from the restarted pods pointed straight at the leak.",
        lesson="Absence of data should be as loud as bad data.",
    ),
    # Customer Support -------------------------------------------------------------------------
    Scenario(
        "customer-support", T, 3, "Enterprise tickets routed to the general queue",
        "After our help-desk vendor moved us to a new plan, the routing rules for enterprise customers were "
        "disabled. For four days enterprise tickets landed in the general queue and missed their one-hour "
        "response target.",
        "| Queue | Tickets | Median first response |\n|---|---:|---|\n| Enterprise | 212 | 6 h 40 min |\n"
        "| General | 1,940 | 3 h 10 min |\n\nThree enterprise customers raised it with their account managers.",
        "Vendor migrates our account to the new plan; custom routing rules are switched off.",
        "An account manager asks why an enterprise ticket has waited a day.",
        "Rules re-enabled and the backlog triaged by team leads.",
        4 * DAY, 4 * DAY + 5 * HOUR,
        [(DEPENDENCY, "The vendor's migration email mentioned \"some automations\" without saying which."),
         (INSTR, "SLA breaches are reported weekly, so a four-day problem looked like one bad week."),
         (OWNERSHIP, "The rules were set up by an admin who has since left, and nobody was listed as owner.")],
        [("Export help-desk rules to version control weekly", "medium"),
         ("Daily SLA breach alert for the enterprise queue", "high"),
         ("Name an owner for help-desk configuration", "medium")],
        well="Once found, the leads cleared the backlog in one afternoon.",
        lesson="Configuration in vendor tools is production configuration.",
    ),
    Scenario(
        "customer-support", T, 3, "Help centre search returned nothing outside English",
        "The help centre's search index was rebuilt with an empty locale filter, so searches in every language "
        "except English returned no results for a whole weekend.",
        "Self-service deflection dropped from 38% to 21%, and ticket volume rose 30% over the weekend.",
        "Index rebuild runs on Friday evening.",
        "Monday morning triage notices the jump in Spanish and German tickets.",
        "Index rebuilt with the correct locales.",
        60 * HOUR, 62 * HOUR,
        [(CHANGE, "The rebuild ran on a Friday evening with nobody checking the result."),
         (INSTR, "We track searches but not searches that return nothing."),
         (HANDOFF, "The weekend shift saw the spike but read it as seasonal, and the observation did not reach Monday's shift.")],
        [("Alert on zero-result search rate per locale", "medium"),
         ("No index rebuilds on Fridays", "low")],
        well="The rebuild itself was fast and safe to rerun.",
        lesson="A spike noticed on a weekend is worth a note in the hand-off, even if it looks explainable.",
        starts=(4, 19),
    ),
    Scenario(
        "customer-support", T, 4, "Canned reply quoted the old refund policy",
        "A saved reply still described the old 14-day refund window after the policy changed to 30 days. It was "
        "sent to about 400 customers.",
        "Some customers may not have asked for refunds they were entitled to. We wrote to all 400 with a correction.",
        "Refund policy changes to 30 days.",
        "An agent notices the mismatch while answering a follow-up.",
        "Saved replies updated and corrections sent.",
        19 * DAY, 20 * DAY,
        [(HANDOFF, "The change went from Legal to Payments to Support, and the saved replies fell between the steps."),
         (SILO, "Only two agents knew which saved replies mentioned refund windows.")],
        [("Tag saved replies with the policies they quote", "medium"),
         ("Add Support to the policy-change checklist", "high")],
        well="The agent who spotted it raised it immediately and suggested the correction wording.",
        lesson="Policy changes are not finished until every place that quotes them has changed.",
    ),
    Scenario(
        "customer-support", T, 3, "Chat widget did not load on older Safari",
        "An automatic update to our chat widget used a browser API that older Safari versions lack, so the chat "
        "button did not appear for about 15% of visitors for five days.",
        "Chat volume fell by roughly a fifth; some of those customers emailed instead, with slower answers.",
        "Vendor ships a widget update to all customers.",
        "A customer mentions on a call that the chat button has vanished.",
        "Widget version pinned to the previous release; vendor fixed and re-released.",
        4 * DAY, 5 * DAY,
        [(DEPENDENCY, "The widget auto-updates from the vendor's CDN, outside our release process."),
         (INSTR, "A drop in chat volume looked like a quiet week.")],
        [("Pin the chat widget version and update deliberately", "medium"),
         ("Synthetic check that the chat button renders in Safari", "medium")],
        well="Pinning the previous version was possible from the vendor's settings page.",
        lesson="A quiet channel can be a broken channel.",
    ),
    Scenario(
        "customer-support", T, 2, "Phone line pointed callers to a dead status page",
        "During the database failover, the phone system's overflow message sent callers to the status page "
        "at its old address, which returned a 404.",
        "Around 300 callers were sent to a page that did not exist during an outage, and many called back, "
        "doubling queue time.",
        "Database failover begins; call volume triples.",
        "Agents hear from callers that the status page is missing.",
        "Overflow message re-recorded with the current status page address.",
        25, 3 * HOUR,
        [(COMMS, "When the status page moved, the announcement did not mention the phone system."),
         (OWNERSHIP, "No one owned the recorded messages after the telephony project ended.")],
        [("List every place that links to the status page", "medium"),
         ("Give the phone recordings an owner and a yearly review", "low")],
        well="Agents shared a working link in the chat queue within minutes.",
        lesson="Outages test every path customers use to reach us, not only the product.",
    ),
    # People Ops -------------------------------------------------------------------------------
    Scenario(
        "people-ops", T, 4, "Careers site sync created duplicate candidates",
        "The sync between the careers site and the applicant tracking system created duplicate candidates after "
        "the vendor changed a field from `email` to `emails[]`.",
        "About 230 duplicate candidate records; three candidates received the same rejection email twice.",
        "Vendor releases a new version of its API.",
        "A recruiter notices the same candidate twice in a pipeline.",
        "Sync updated for the new field and duplicates merged.",
        6 * DAY, 9 * DAY,
        [(DEPENDENCY, "The vendor changed its API with two weeks' notice, sent to a former employee's address."),
         (SILO, "The integration was written by a contractor and its code lived in a personal repository."),
         (OWNERSHIP, "Neither People Ops nor Platform thought the integration was theirs.")],
        [("Move the sync into a team repository with an owner", "high"),
         ("Point vendor notices at a shared alias", "low")],
        well="The vendor's merge tool handled most duplicates automatically.",
        lesson="An integration nobody owns is an incident waiting for a date.",
    ),
    Scenario(
        "people-ops", T, 2, "Payroll export left out new starters",
        "The monthly export from the HR system to the payroll provider selected people whose start date was "
        "strictly before the run date, so people starting on the export day were paid a week late.",
        "Four new starters were paid seven days late. We covered any costs and apologised to each of them personally.",
        "Payroll export runs on the 20th.",
        "A new starter asks their manager why no payslip arrived.",
        "Off-cycle payment made; export filter corrected.",
        9 * DAY, 11 * DAY,
        [(SCALE, "With one or two starters a month the edge case never came up; during the hiring push there were 19."),
         (INSTR, "Nothing compared headcount in the export with headcount in the HR system."),
         (HANDOFF, "New-starter dates reach payroll through an email from the hiring manager.")],
        [("Reconcile export headcount against the HR system before sending", "high"),
         ("Add a start-on-run-day case to the export tests", "medium")],
        well="The off-cycle payment went out within two days of the report.",
        lesson="Boundary dates matter most at the moments we grow fastest.",
    ),
    Scenario(
        "people-ops", T, 4, "Scheduling tool double-booked interview panels",
        "A calendar permissions change meant the interview scheduling tool could no longer see interviewers' "
        "busy times, so 17 interviews in one week were booked over existing meetings.",
        "Seventeen interviews had to be rescheduled, and two candidates withdrew.",
        "IT tightens default calendar sharing.",
        "Interviewers report clashes with meetings booked weeks earlier.",
        "Scheduling tool granted free/busy access again.",
        3 * DAY, 6 * DAY,
        [(CHANGE, "Calendar defaults changed without a list of the tools that depend on them."),
         (OVERLOAD, "Three interviewers did most of the rescheduling on top of their own work."),
         (LOOP, "Panels are assembled per candidate, so every clash needs a new panel.")],
        [("Document tools that depend on calendar access", "medium"),
         ("Trial fixed weekly interview slots", "medium")],
        well="Candidates were told quickly and most accepted new times the same day.",
        lesson="A permissions change is a change to every integration that uses those permissions.",
    ),
    # People incidents -------------------------------------------------------------------------
    Scenario(
        "platform", P, 2, "On-call load fell on two people for a month",
        "Over four weeks the Platform on-call rota handled 31 pages, and two of the five people on it carried "
        "most of the overnight load. One of them needed two weeks of leave. This review looks at how the rota "
        "allowed that, not at anyone's choices within it.",
        "- Two engineers worked around 9 extra hours a week\n- One took two weeks of sick leave\n"
        "- Planned project work slipped by about a sprint",
        "First of a run of overnight pages following the node pool changes.",
        "In a 1:1, an engineer says they dread their on-call weeks.",
        "Follow-the-sun cover agreed with colleagues in Asia for overnight pages.",
        24 * DAY, 33 * DAY,
        [(OVERLOAD, "Swaps were informal, and the two most experienced people agreed to most of them."),
         (SILO, "Several alerts could only be handled by the same two people, so others escalated to them."),
         (ALERTS, "About half of the pages needed no action.")],
        [("Share monthly pager load per person with the team", "medium"),
         ("Train a second responder for every single-expert alert", "high"),
         ("Delete or downgrade alerts that need no action", "high")],
        events=["Lead reviews pager history and sees the uneven distribution.",
                "Rota temporarily split into day and night halves."],
        well="The engineer felt able to raise it in a 1:1, and the lead acted the same week.",
        lesson="A rota is fair only when the load, not just the calendar, is shared.",
    ),
    Scenario(
        "platform", P, 3, "Context lost at an on-call hand-over",
        "A known degraded database replica was discussed in a chat thread at shift change but did not make it "
        "into the hand-over note, so the next on-call engineer spent two hours re-diagnosing it during a page.",
        "Two hours of duplicated investigation at night, and a longer customer-facing slowdown than necessary.",
        "Outgoing shift notices a degraded replica and discusses it in a thread.",
        "Incoming on-call is paged for slow queries that night.",
        "Hand-over template changed to include open issues and their state.",
        9 * HOUR, 13 * HOUR,
        [(HANDOFF, "Hand-over notes are free-form and written at the end of a tiring shift."),
         (COMMS, "The important context lived in a thread rather than the hand-over channel.")],
        [("Structured hand-over template with an \"open issues\" section", "medium"),
         ("Five-minute live hand-over call for busy shifts", "low")],
        well="Both engineers walked through their evening openly in the review.",
        lesson="The hand-over note is the on-call's memory; make it easy to write when tired.",
    ),
    Scenario(
        "customer-support", P, 2, "Escalation lost between Support and Payments",
        "A customer charged three times for one order was escalated from Support to Payments, but the ticket "
        "waited for nine days in a queue neither team was watching.",
        "One customer waited nine days for a refund of €420, wrote about it publicly and closed their account.",
        "Agent escalates the ticket with the \"payments issue\" tag.",
        "Customer posts on social media; the social team flags it.",
        "Refund issued the same day; the escalation tag now points at the live queue.",
        9 * DAY, 9 * DAY + 6 * HOUR,
        [(OWNERSHIP, "The retired queue still accepted tickets, and nobody owned it."),
         (HANDOFF, "Escalations have no acknowledgement step, so silence looked like progress."),
         (COMMS, "Support and Payments had no shared view of open escalations.")],
        [("Acknowledge every cross-team escalation within one working day", "high"),
         ("Close retired queues so they reject new tickets", "medium")],
        events=["Ticket found in a Payments queue retired last quarter."],
        well="Once found, both leads met the same day and agreed on the acknowledgement step.",
        lesson="An escalation is not handed off until someone has said \"got it\".",
        share_with=["payments"],
    ),
    Scenario(
        "payments", P, 3, "A design disagreement stalled a known fix",
        "Two engineers disagreed for three weeks about whether to rewrite or patch the reconciliation service. "
        "The disagreement was never settled explicitly, so a known locking bug stayed unfixed and later delayed payouts.",
        "A fix that took two days once agreed waited three weeks; the payout delay followed in the meantime.",
        "Design review for the reconciliation fix ends without a decision.",
        "The payout delay post-mortem links back to the unmerged fix.",
        "Facilitated session agrees on a patch now and a rewrite proposal later.",
        21 * DAY, 24 * DAY,
        [(OWNERSHIP, "No one held the decision for the reconciliation service."),
         (COMMS, "The disagreement played out in review comments rather than a conversation."),
         (OVERBUILT, "Design docs needed sign-off from four people, which made it easy for a decision to stall.")],
        [("Name a decision owner for each core service", "medium"),
         ("Escalate design disagreements older than a week to a facilitated session", "low")],
        well="Both engineers agreed to a facilitated session and came out with a shared plan.",
        lesson="When a technical disagreement lasts more than a week, it is a decision-making problem.",
    ),
    Scenario(
        "payments", P, 4, "New joiner waited three weeks for production access",
        "A new engineer waited three weeks for read access to production because the request form still routed "
        "approvals to a manager who had left.",
        "Three weeks of slower onboarding and a frustrating first month for the new joiner.",
        "Access request submitted on the first day.",
        "New joiner mentions the wait in their 30-day check-in.",
        "Approval routing updated; access granted the same day.",
        17 * DAY, 21 * DAY,
        [(OWNERSHIP, "The access form had no owner after the previous manager left."),
         (SCALE, "The access process was designed when we hired one engineer a quarter.")],
        [("Route access approvals to a role, not a person", "medium")],
        well="The new joiner raised it honestly, and the 30-day check-in did its job.",
        lesson="Onboarding is a system with its own failure modes; it deserves monitoring too.",
        share_with=["people-ops"],
    ),
    Scenario(
        "people-ops", P, 2, "Senior engineer hiring loop lost four candidates",
        "Over two months, four strong candidates for the senior engineer role withdrew after long gaps between "
        "interview stages. The loop had grown to seven interviews with no single coordinator.",
        "The role stayed open ten weeks longer than planned, the Platform team covered the gap with extra hours, "
        "and candidate survey scores fell from 4.4 to 2.9.",
        "Fourth interview stage added to the loop.",
        "A withdrawing candidate's feedback describes three weeks of silence.",
        "Loop cut to four stages with one coordinator and fixed panel slots.",
        40 * DAY, 52 * DAY,
        [(OVERBUILT, "Seven stages had been added one at a time, each for a good reason."),
         (OWNERSHIP, "The hiring manager, recruiter and coordinator each thought another was chasing feedback."),
         (LOOP, "Panels were assembled per candidate instead of from fixed weekly slots."),
         (SCALE, "The loop worked when we hired two senior engineers a year.")],
        [("One named coordinator per open role", "high"),
         ("Feedback due within 24 hours of each interview", "medium"),
         ("Review the loop design every quarter", "low")],
        events=["Recruiting lead maps every stage and its average wait."],
        well="Withdrawing candidates gave candid feedback, and we asked for it.",
        lesson="Every stage added to a process should come with one taken away, or a reason why not.",
        share_with=["platform"],
    ),
    Scenario(
        "people-ops", P, 3, "Offer letter sent with last year's salary band",
        "An offer letter was generated from an out-of-date template with last year's band, and the candidate "
        "accepted before the mismatch was noticed.",
        "We honoured the figure in the letter. A second offer was delayed a week while every template was checked.",
        "Finance publishes new salary bands by email.",
        "Finance flags the accepted offer during a headcount review.",
        "Templates changed to pull bands from the compensation sheet.",
        30 * DAY, 36 * DAY,
        [(HANDOFF, "Band changes travel from Finance to People Ops by email."),
         (SILO, "Only one person knew the templates contained hard-coded figures."),
         (INSTR, "Nothing compares an offer with the current band before it is sent.")],
        [("Generate offer figures from the compensation sheet", "high"),
         ("Second-person check on offers above band midpoint", "medium")],
        well="The candidate was told honestly and the relationship stayed good.",
        lesson="Numbers that change every year should live in one place.",
        blame="The recruiter should have double-checked the band before sending the letter.",
    ),
    Scenario(
        "customer-support", P, 3, "Weekend coverage gap after a rota change",
        "A move from fixed weekend shifts to volunteer sign-ups left two Sundays with nobody on the rota. "
        "Tickets went unanswered for up to 30 hours.",
        "Around 420 tickets waited more than a day, and the same three agents had covered most weekends before "
        "they stopped volunteering.",
        "Rota changes to volunteer sign-ups.",
        "The next shift finds a backlog of unanswered tickets from Sunday.",
        "Fixed minimum weekend cover restored, with volunteers on top.",
        13 * DAY, 16 * DAY,
        [(OWNERSHIP, "Nobody owned filling empty slots under the new rota."),
         (OVERLOAD, "The same three agents volunteered every weekend until they were worn out."),
         (COMMS, "Empty slots were visible in the rota tool but not announced anywhere.")],
        [("Alert the team lead when a weekend slot is empty 72 hours ahead", "medium"),
         ("Cap consecutive weekends per person", "high")],
        well="The agents who had been covering said so plainly in the review.",
        lesson="Voluntary rotas need a floor, or the most willing people become the rota.",
        blame="The team lead should have noticed the empty slots earlier.",
        share_with=["people-ops"],
    ),
    Scenario(
        "people-ops", P, 4, "Buddy programme lapsed during a coordinator's leave",
        "The buddy programme for new joiners stopped assigning buddies when its coordinator went on parental "
        "leave, and eleven people started without one.",
        "Eleven new joiners had no buddy in their first month; several said onboarding felt lonely.",
        "Coordinator begins parental leave.",
        "A manager notices their new joiner was never assigned a buddy.",
        "Buddies assigned to everyone affected; the programme moved to a shared tracker.",
        35 * DAY, 40 * DAY,
        [(SILO, "The programme ran from one person's spreadsheet."),
         (HANDOFF, "The leave hand-over covered recruiting but not the buddy programme."),
         (INSTR, "Nobody measured whether new joiners actually had a buddy.")],
        [("Move buddy assignments to a shared tracker", "medium"),
         ("Add buddy status to the onboarding checklist", "low")],
        well="Volunteers stepped forward quickly once the gap was known.",
        lesson="Programmes that depend on one person's goodwill need a hand-over like any other role.",
        blame="It should have been obvious that somebody needed to pick this up.",
    ),
]

# Shared text pools, picked from so sections vary between incidents.
WENT_WELL = {
    T: ["The incident channel stayed calm: one person coordinated and others took on specific tasks.",
        "Status page updates went out every 20–30 minutes, and customers commented on their clarity.",
        "People shared partial findings early instead of waiting until they were sure.",
        "The on-call engineer asked for help early, and three people joined within ten minutes."],
    P: ["Everyone involved talked openly about their own part without defensiveness.",
        "The issue was raised directly rather than quietly worked around.",
        "Leads from the teams involved joined the review and kept it focused on the system."],
}
GOT_LUCKY = {
    T: ["It happened outside our busiest hours.",
        "Someone happened to be looking at the right dashboard for an unrelated reason.",
        "The component had been upgraded recently, so its logs were unusually detailed."],
    P: ["The person most affected trusted their lead enough to say something.",
        "A quieter week followed, which gave the team room to change the process."],
}
LESSONS = {
    T: ["Pages should link to a runbook, and the runbook should be short.",
        "Writing the timeline together the next day surfaced things nobody had seen alone.",
        "The near misses inside this incident taught us as much as the outage itself."],
    P: ["Process problems often show up first as tired people; asking about load in 1:1s helps.",
        "Writing down who decides is cheaper than discovering it in a crisis."],
}
CLOSING_EVENT = {
    T: ["Metrics back at baseline; incident closed.", "All-clear posted in the incident channel and on the status page.",
        "Error rates normal for 30 minutes; incident closed."],
    P: ["Follow-up check-in held; the immediate issue is resolved.",
        "Interim arrangement confirmed in writing and a review scheduled."],
}
ACTION_DONE_WHEN = [
    "Done when it is live and mentioned at the next operations review.",
    "Done when the runbook links to it and someone other than the owner has tried it.",
    "Done when there is a test or alert that would have caught this incident.",
    "Done when the teams involved have confirmed the new process in writing.",
    "Done when:\n\n- the change is merged\n- the team has been told\n- the old path is removed",
]


# Checks and clean-up ---------------------------------------------------------------------------

def demo_usernames():
    """Every username the demo creates."""
    return [ADMIN[0], *(person[0] for person in PEOPLE)]


def demo_teams_q():
    """A Q matching the demo's teams by slug or name."""
    return Q(slug__in=list(TEAMS)) | Q(name__in=[team[0] for team in TEAMS.values()])


def existing_demo_data():
    """A short description of demo users or teams already present, or an empty string."""
    found = []
    users = list(get_user_model().objects.filter(username__in=demo_usernames()).values_list("username", flat=True))
    if users:
        found.append(f"users {', '.join(sorted(users))}")
    teams = list(Team.objects.filter(demo_teams_q()).values_list("name", flat=True))
    if teams:
        found.append(f"teams {', '.join(sorted(teams))}")
    return "; ".join(found)


def delete_demo_data():
    """Delete demo post-mortems, teams (with their themes) and users; return how many of each."""
    teams = Team.objects.filter(demo_teams_q())
    _, deleted = PostMortem.objects.filter(team__in=teams).delete()
    team_count = teams.count()
    teams.delete()
    users = get_user_model().objects.filter(username__in=demo_usernames(), email__iendswith=f"@{DEMO_DOMAIN}")
    user_count = users.count()
    users.delete()
    return {"postmortems": deleted.get("postmortems.PostMortem", 0), "teams": team_count, "users": user_count}


# Building --------------------------------------------------------------------------------------

def create_people():
    """Create the demo users with one shared password hash and a profile each; return them by username."""
    User = get_user_model()
    password = make_password(DEMO_PASSWORD)  # hashed once: hashing per user would dominate the run time
    users = [
        User(username=username, first_name=first, last_name=last, email=f"{username}@{DEMO_DOMAIN}",
             password=password, is_staff=username == ADMIN[0], is_superuser=username == ADMIN[0])
        for username, first, last, _ in [ADMIN, *PEOPLE]
    ]
    User.objects.bulk_create(users)
    by_username = {user.username: user for user in User.objects.filter(username__in=demo_usernames())}
    zones = {username: zone for username, _, _, zone in [ADMIN, *PEOPLE]}
    Profile.objects.bulk_create(Profile(user=user, timezone=zones[name]) for name, user in by_username.items())
    return by_username


def create_teams(users):
    """Create the demo teams and memberships; return teams by slug."""
    teams = {slug: Team(name=name, slug=slug, description=description)
             for slug, (name, description, _, _) in TEAMS.items()}
    Team.objects.bulk_create(teams.values())
    teams = {team.slug: team for team in Team.objects.filter(slug__in=list(TEAMS))}
    memberships = []
    for slug, (_, _, lead, members) in TEAMS.items():
        memberships.append(Membership(team=teams[slug], user=users[lead], role=Membership.Role.LEAD))
        memberships += [Membership(team=teams[slug], user=users[name]) for name in members]
    Membership.objects.bulk_create(memberships)
    return teams


def load_themes(teams):
    """Shared themes by name (created if a database lacks them) plus the demo's team-specific themes."""
    names = {name for scenario in SCENARIOS for name, _ in scenario.factors} - {name for _, name, _ in TEAM_THEMES}
    themes = {theme.name: theme for theme in Theme.objects.filter(team=None, name__in=names)}
    for name in names - set(themes):
        themes[name] = Theme.objects.create(name=name)
    for slug, name, description in TEAM_THEMES:
        themes[name] = Theme.objects.create(name=name, description=description, team=teams[slug])
    return themes


def format_duration(delta):
    """A short human duration: '7 minutes', '2 h 15 min' or '3 days'."""
    minutes = round(delta.total_seconds() / 60)
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    if minutes < 3 * DAY:
        hours, rest = divmod(minutes, 60)
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    return f"{round(minutes / DAY)} days"


def schedule(rng, now):
    """Pair each scenario with how many days ago it was resolved: drafts-to-be most recent, the rest spread over six months."""
    order = list(SCENARIOS)
    rng.shuffle(order)
    order.sort(key=lambda scenario: not scenario.blame)  # stable: blameful drafts first, i.e. most recent
    step = 176 / len(order)
    return [(scenario, 2 + index * step + rng.uniform(0, step * 0.8)) for index, scenario in enumerate(order)]


def incident_start(scenario, now, days_ago):
    """When the incident began: resolved `days_ago` days ago, but never more than six months back."""
    latest_start = now - timedelta(days=1, minutes=scenario.resolve_after)
    started = max(now - timedelta(days=days_ago, minutes=scenario.resolve_after), now - timedelta(days=174))
    if scenario.starts:
        weekday, hour = scenario.starts
        started = started.replace(hour=hour, minute=0)
        if weekday is not None:
            started -= timedelta(days=(started.weekday() - weekday) % 7)
        while started > latest_start:
            started -= timedelta(days=7 if weekday is not None else 1)
    return min(started, latest_start).replace(second=0, microsecond=0)


def choose_status(rng, scenario, days_ago):
    """Recent or blameful incidents are drafts or in review; older ones are mostly published."""
    if scenario.blame:
        return PostMortem.Status.DRAFT
    if days_ago < 30:
        return rng.choice([PostMortem.Status.DRAFT, PostMortem.Status.REVIEW, PostMortem.Status.REVIEW])
    roll = rng.random()
    if roll < 0.86:
        return PostMortem.Status.PUBLISHED
    return PostMortem.Status.REVIEW if roll < 0.95 else PostMortem.Status.DRAFT


def compose_sections(rng, scenario, events):
    """The seven Markdown sections for one incident, from its template and the shared pools."""
    kind = scenario.kind
    span = events[-1][0] - events[0][0]
    multi_day = span >= timedelta(days=2)
    stamp = "%a %d %b %H:%M" if multi_day else "%H:%M"
    narrative = (
        f"Detection took **{format_duration(events[1][0] - events[0][0])}**, and the incident was resolved "
        f"**{format_duration(span)}** after it began. Times are UTC.\n\n"
        + "\n".join(f"1. **{when:{stamp}}** — {text}" for when, text in events)
    )
    factors = "\n".join(f"- **{theme}**: {text}" for theme, text in scenario.factors)
    lessons = [scenario.lesson, rng.choice(LESSONS[kind])]
    if scenario.blame:
        lessons.append(scenario.blame)
    return {
        "summary": scenario.summary,
        "impact": scenario.impact,
        "timeline_narrative": narrative,
        "contributing_factors": factors,
        "went_well": "\n".join(f"- {item}" for item in [scenario.well, rng.choice(WENT_WELL[kind])] if item),
        "got_lucky": scenario.lucky or rng.choice(GOT_LUCKY[kind]),
        "lessons": "\n".join(f"- {item}" for item in lessons if item),
    }


def timeline_for(rng, scenario, started, detected, resolved):
    """Three to six (time, text) events from start to resolution."""
    middle = list(scenario.events)
    window = resolved - detected
    events = [(started, scenario.start), (detected, scenario.detect)]
    for index, text in enumerate(middle, start=1):
        events.append((detected + window * (index / (len(middle) + 2)) * rng.uniform(0.85, 1.1), text))
    events.append((resolved - window * rng.uniform(0.05, 0.15), scenario.fix))
    events.append((resolved, rng.choice(CLOSING_EVENT[scenario.kind])))
    return [(when.replace(microsecond=0, second=0), text) for when, text in events]


def build_postmortems(rng, now, users, teams):
    """Unsaved PostMortems with their timeline, factor, author and viewer plans."""
    plans = []
    for scenario, days_ago in schedule(rng, now):
        started = incident_start(scenario, now, days_ago)
        resolved = started + timedelta(minutes=scenario.resolve_after)
        detected = started + timedelta(minutes=scenario.detect_after)
        events = timeline_for(rng, scenario, started, detected, resolved)
        status = choose_status(rng, scenario, days_ago)
        created = min(resolved + timedelta(hours=rng.uniform(2, 30)), now - timedelta(hours=1))
        published = None
        if status == PostMortem.Status.PUBLISHED:
            published = created + timedelta(days=rng.uniform(2, 6))
            if published > now - timedelta(hours=1):
                status, published = PostMortem.Status.REVIEW, None
        _, _, lead, members = TEAMS[scenario.team]
        if scenario.kind == P:
            authors = [lead] + rng.sample(members, rng.choice([0, 1]))
        else:
            authors = rng.sample(members, rng.choice([1, 1, 2])) + ([lead] if rng.random() < 0.2 else [])
        viewers = [TEAMS[slug][2] for slug in scenario.share_with]
        postmortem = PostMortem(
            team=teams[scenario.team], kind=scenario.kind, title=scenario.title, severity=scenario.severity,
            status=status, started_at=started, detected_at=detected, resolved_at=resolved, published_at=published,
            created_by=users[authors[0]], created_at=created, **compose_sections(rng, scenario, events),
        )
        plans.append({"scenario": scenario, "postmortem": postmortem, "events": events,
                      "authors": [users[name] for name in authors], "viewers": [users[name] for name in viewers],
                      "members": [users[name] for name in [lead, *members]]})
    if not any(plan["postmortem"].status == PostMortem.Status.REVIEW for plan in plans):
        newest = next(plan["postmortem"] for plan in plans if plan["postmortem"].status == PostMortem.Status.PUBLISHED)
        newest.status, newest.published_at = PostMortem.Status.REVIEW, None
    return plans


def action_item_state(rng, postmortem_status):
    """A status for one action item, weighted by how far along its post-mortem is."""
    if postmortem_status == PostMortem.Status.DRAFT:
        return rng.choice([ActionItem.Status.OPEN] * 3 + [ActionItem.Status.IN_PROGRESS])
    if postmortem_status == PostMortem.Status.REVIEW:
        return rng.choice([ActionItem.Status.OPEN, ActionItem.Status.IN_PROGRESS])
    return rng.choices(
        [ActionItem.Status.DONE, ActionItem.Status.WONT_DO, ActionItem.Status.IN_PROGRESS, ActionItem.Status.OPEN],
        weights=[50, 10, 18, 22],
    )[0]


def build_action_items(rng, now, plan):
    """Unsaved ActionItems for one post-mortem, with owners, due dates and closing times."""
    postmortem, today = plan["postmortem"], timezone.localdate(now)
    items = []
    for title, priority in plan["scenario"].actions:
        created = postmortem.created_at + timedelta(hours=rng.uniform(1, 20))
        created = min(created, now - timedelta(minutes=30))
        status = action_item_state(rng, postmortem.status)
        item = ActionItem(
            postmortem=postmortem, title=title, priority=priority, status=status, created_at=created,
            owner=rng.choice(plan["members"]) if rng.random() > 0.06 else None,
            description=rng.choice(ACTION_DONE_WHEN),
        )
        created_day = timezone.localdate(created)
        if status in ActionItem.CLOSED_STATUSES:
            age = (now - created).days
            item.closed_at = created + timedelta(days=rng.uniform(0.5, max(1, min(age, 45))))
            item.closed_at = min(item.closed_at, now - timedelta(minutes=5))
            if status == ActionItem.Status.DONE or rng.random() < 0.5:
                item.due_date = created_day + timedelta(days=rng.randint(7, 40))
        else:
            bucket = rng.random()
            earliest_overdue = created_day + timedelta(days=3)
            if bucket < 0.35 and earliest_overdue < today:
                item.due_date = max(earliest_overdue, today - timedelta(days=rng.randint(1, 35)))
            elif bucket < 0.7:
                item.due_date = today + timedelta(days=rng.randint(0, 7))
            else:
                item.due_date = today + timedelta(days=rng.randint(8, 45))
        items.append(item)
    return items


def share_with_owners(plan, items):
    """Add as viewers the owners of a people incident's items who could not otherwise open it.

    People post-mortems are restricted to their authors, the team's leads and
    their viewers; an owner must be able to open their item to act on it (and
    reminders only ever mention items their owner may open).
    """
    if plan["postmortem"].kind != P:
        return
    lead = plan["members"][0]
    may_open = {user.pk for user in [lead, *plan["authors"], *plan["viewers"]]}
    for item in items:
        if item.owner is not None and item.owner.pk not in may_open:
            plan["viewers"].append(item.owner)
            may_open.add(item.owner.pk)


def ensure_coverage(items, today):
    """Make sure every action status, some overdue open work and some work due this week all appear."""
    def open_items():
        return [item for item in items if item.status in (ActionItem.Status.OPEN, ActionItem.Status.IN_PROGRESS)]

    for status in ActionItem.Status.values:
        if not any(item.status == status for item in items):
            item = open_items()[-1]
            item.status = status
            if status in ActionItem.CLOSED_STATUSES:
                item.closed_at = min(item.created_at + timedelta(days=1), timezone.now())
    overdue = [item for item in open_items() if item.due_date and item.due_date < today]
    for item in [item for item in open_items() if item not in overdue][: max(0, 3 - len(overdue))]:
        item.due_date = max(timezone.localdate(item.created_at) + timedelta(days=1), today - timedelta(days=4))
    due_soon = [item for item in open_items() if item.due_date and today <= item.due_date <= today + timedelta(days=7)]
    for item in [item for item in open_items() if item.due_date and item.due_date > today + timedelta(days=7)][
            : max(0, 3 - len(due_soon))]:
        item.due_date = today + timedelta(days=3)


def add_second_revision(plan, when):
    """Edit a post-mortem's text and record it as version 2, so history has a diff to show."""
    postmortem, change = plan["postmortem"], plan["scenario"].revision
    postmortem.summary += change["summary"]
    postmortem.lessons += f"\n- {change['lesson']}"
    postmortem.version += 1
    postmortem.save()
    revision = record_revision(postmortem, author=plan["authors"][-1], note=change["note"])
    Revision.objects.filter(pk=revision.pk).update(created_at=when)


# Wording that older write-ups kept after review, so the blame-rate chart shows
# a team learning to write blamelessly over the six months.
EARLY_WORDING = [
    ("In hindsight the warning was obvious.", "Kept as the team's own words from the review meeting."),
    ("The on-call engineer should have paged the database team sooner.", "The author wanted the delay on record."),
    ("It was just a config change, so nobody asked for a second review.", "Quoting how the change was described at the time."),
]


def measure_published(rng, now, plans):
    """Store the blame counts of published write-ups, as publishing does; older ones kept some wording."""
    changed, acknowledgements = [], []
    for plan in plans:
        postmortem = plan["postmortem"]
        if postmortem.status != PostMortem.Status.PUBLISHED:
            continue
        if postmortem.created_at < now - timedelta(days=100) and rng.random() < 0.6:
            sentence, reason = rng.choice(EARLY_WORDING)
            postmortem.lessons = f"{postmortem.lessons}\n\n{sentence}".strip()
            acknowledgements += [
                BlameAcknowledgement(postmortem=postmortem, section="lessons", category=finding.category,
                                     phrase=" ".join(finding.text.lower().split()), reason=reason,
                                     acknowledged_by=plan["authors"][0], created_at=postmortem.published_at)
                for finding in analyze(sentence)
            ]
        postmortem.measure_blame_language()
        changed.append(postmortem)
    PostMortem.objects.bulk_update(changed, ["lessons", "blame_counts", "word_count"])
    BlameAcknowledgement.objects.bulk_create(acknowledgements, ignore_conflicts=True)


def seed(seed=DEFAULT_SEED, now=None):
    """Create the whole demo organisation; return counts and the demo logins."""
    rng, now = random.Random(seed), now or timezone.now()
    users = create_people()
    teams = create_teams(users)
    themes = load_themes(teams)
    plans = build_postmortems(rng, now, users, teams)
    PostMortem.objects.bulk_create(plan["postmortem"] for plan in plans)

    authors, viewers, events, factors, items = [], [], [], [], []
    for plan in plans:
        postmortem = plan["postmortem"]
        plan_items = build_action_items(rng, now, plan)
        share_with_owners(plan, plan_items)
        authors += [PostMortem.authors.through(postmortem_id=postmortem.pk, user_id=u.pk) for u in plan["authors"]]
        viewers += [PostMortem.viewers.through(postmortem_id=postmortem.pk, user_id=u.pk) for u in plan["viewers"]]
        events += [TimelineEvent(postmortem=postmortem, occurred_at=when, description=text)
                   for when, text in plan["events"]]
        factors += [ContributingFactor(postmortem=postmortem, theme=themes[theme], description=text)
                    for theme, text in plan["scenario"].factors]
        items += plan_items
    ensure_coverage(items, timezone.localdate(now))
    PostMortem.authors.through.objects.bulk_create(authors)
    PostMortem.viewers.through.objects.bulk_create(viewers)
    TimelineEvent.objects.bulk_create(events)
    ContributingFactor.objects.bulk_create(factors)
    ActionItem.objects.bulk_create(items)

    for plan in plans:
        postmortem = plan["postmortem"]
        revision = record_revision(postmortem, author=plan["authors"][0], note="Created from demo data")
        Revision.objects.filter(pk=revision.pk).update(created_at=postmortem.created_at)
        if plan["scenario"].revision:
            add_second_revision(plan, postmortem.created_at + timedelta(days=1))
    measure_published(rng, now, plans)
    for plan in plans:  # updated_at is auto_now; put it back to the last edit before publishing
        postmortem = plan["postmortem"]
        postmortem.updated_at = postmortem.published_at or postmortem.created_at + timedelta(days=postmortem.version - 1)
    PostMortem.objects.bulk_update([plan["postmortem"] for plan in plans], ["updated_at"])
    search.update_search_vector(plan["postmortem"].pk for plan in plans)

    return {
        "counts": {
            "users": len(users), "teams": len(teams), "postmortems": len(plans),
            "people postmortems": sum(plan["postmortem"].kind == P for plan in plans),
            "timeline events": len(events), "contributing factors": len(factors), "action items": len(items),
            "revisions": Revision.objects.filter(postmortem__team__in=teams.values()).count(),
        },
        "logins": demo_logins(),
    }


def demo_logins():
    """(username, full name, role and teams, time zone) for every demo user, admin first."""
    roles = {}
    for slug, (name, _, lead, members) in TEAMS.items():
        roles.setdefault(lead, []).append(f"lead, {name}")
        for member in members:
            roles.setdefault(member, []).append(f"member, {name}")
    rows = [(ADMIN[0], f"{ADMIN[1]} {ADMIN[2]}", "superuser (Django admin; organisation admin)", ADMIN[3])]
    rows += [(username, f"{first} {last}", "; ".join(roles[username]), zone) for username, first, last, zone in PEOPLE]
    return rows
