"""Time the blame detector (rules alone, and rules + learned model) on ~5,000-word post-mortems.

Prints figures, asserts nothing. Model load time is printed separately. "First reading" forgets
every remembered sentence before each run; "one sentence edited" is what the live check does
on each pause in typing, when the rest of the document was read before.

Two documents: a post-mortem built from templated sections (headings, a timeline, logs, lists;
its sections repeat with other names and numbers, so some sentences recur within one reading),
and 5,000 words of prose in which no sentence recurs (the project's own training sentences,
shuffled into paragraphs), the harder case for the detector's per-sentence memos.

Run: .venv/bin/python benchmarks/blame_benchmark.py [--repeat N]
"""
import argparse
import json
import pathlib
import random
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from postmortems.blame import analyze  # noqa: E402
from postmortems.blame.detector import clear_memos  # noqa: E402
from postmortems.blame.model import default_model  # noqa: E402

TARGET_WORDS = 5000
NAMES = ["Kevin", "Lena", "Omar", "Priya", "Tom", "Mei", "Carlos", "Dana"]
SERVICES = ["billing", "search", "checkout", "auth", "ingest", "notifications"]

SECTIONS = [
    """## Summary

On {day}, the {service} service returned errors to roughly {pct}% of requests for {minutes} minutes.
The deploy pipeline rolled out build {build} to every region at once, because the canary stage had
been disabled during a migration the week before. The error rate rose within two minutes, and the
alert fired, but it was routed to a channel that the on-call rotation no longer watched.
{name} just had to flip the flag back, which honestly should have taken a minute.""",
    """## Timeline

- 09:12 The pipeline started the rollout of build {build}.
- 09:14 Error rate for {service} crossed the paging threshold; the page went to an old rota.
- 09:31 A customer report reached support, who escalated to the incident channel.
- 09:36 {name} acknowledged and started investigating the {service} dashboards.
- 09:41 {name} ignored the replica lag graph and restarted the primary.
- 09:58 The incident commander asked for a rollback; traffic recovered at 10:07.""",
    """## What happened

The change itself was small: a default timeout moved from {minutes} seconds to one second.
Obviously nobody tested it under production load. The test suite validated the new default with
mocked clients, so it did not exercise connection reuse, and the staging environment carries a
fraction of production traffic. Reviewers saw a one-line diff. The job that compares staging and
production latency failed to start that morning because its image tag did not exist, so the usual
signal was missing. Any competent engineer would have noticed the missing report.""",
    """### Logs

```
10:02:11 ERROR {service}-worker failed to connect: timeout after 1000ms
10:02:12 WARN retry budget exhausted for pool {service}-primary
```

> 10:02:14 ERROR the engineer failed to authenticate (token expired)

The log lines above show the pool exhausting its retries; `retry_budget` was set to zero in the
shared config, which is why every client gave up at once.""",
    """## Contributing factors

The hand-off checklist did not include the pager rota, so the change of rotation in {service}
was never reflected in the alert routing. The deploy should have been blocked by the test suite,
but the suite had no load test for connection reuse. {name}'s mistake was merging without review,
and the reviewer was careless with the config diff. In hindsight the failure was trivial to avoid.
Human error is never a root cause: it is where the investigation starts.""",
    """## People and process

The team had two open roles for most of the quarter, and the hiring manager should have escalated
the backlog much earlier. HR failed to follow up with two candidates for six weeks. The team lead
was on leave and no deputy had been named, so decisions about the migration were taken in private
chats. {name} dropped the ball on the hand-over, and the new hire ran the script against prod
without asking anyone. Nobody bothered to update the runbook after the reorg.""",
    """## What went well

Support escalated quickly once customers called. We just rolled back the release once the cause
was clear, and the just-in-time credentials worked as designed. The incident commander kept a
clear timeline, and responders from three teams joined within ten minutes. The rollback itself
took eleven minutes because the artifact store was slow under load, which we will address.""",
    """## Lessons

It was not obvious from the dashboards that the replica was behind, because the lag panel used a
five-minute average. Root cause: human error is a phrase we avoid; instead we ask what made each
action reasonable at the time. A blameless review does not blame the operator who typed the
command. Everyone makes a stupid mistake now and then, so the system has to absorb it. Clearly the
alert routing needs an owner, and the onboarding guide needs a section on production access.""",
    """## Action items

1. Re-enable the canary stage for {service} and make disabling it require two approvers.
2. Route {service} alerts through the escalation policy rather than a channel.
3. Add a load test that exercises connection reuse to the pre-merge suite.
4. Add the pager rota to the hand-off checklist, owned by the team lead.
5. Fix the latency comparison job so a missing image tag pages its owner.""",
]


def build_document(target_words=TARGET_WORDS):
    """Concatenate the sections, varying names and numbers, until the target word count is reached."""
    parts, words, round_ = [], 0, 0
    while words < target_words:
        for index, section in enumerate(SECTIONS):
            text = section.format(
                day=f"day {round_ + 1}",
                service=SERVICES[(round_ + index) % len(SERVICES)],
                pct=5 + (round_ * 7 + index) % 40,
                minutes=10 + (round_ * 3 + index) % 50,
                build=f"4.{round_}.{index}",
                name=NAMES[(round_ + index) % len(NAMES)],
            )
            parts.append(text)
            words += len(text.split())
            if words >= target_words:
                break
        round_ += 1
    return "\n\n".join(parts)


def distinct_document(target_words=TARGET_WORDS):
    """Paragraphs of five sentences, none repeated, from the training data in the repository."""
    folder = pathlib.Path(__file__).resolve().parent.parent / "postmortems" / "blame" / "training" / "sentences"
    sentences = [json.loads(line)["text"] for path in sorted(folder.glob("*.jsonl"))
                 for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    random.Random(1).shuffle(sentences)
    chosen, words = [], 0
    for sentence in sentences:
        if words >= target_words:
            break
        chosen.append(sentence)
        words += len(sentence.split())
    return "\n\n".join(" ".join(chosen[i:i + 5]) for i in range(0, len(chosen), 5))


def median_and_best(run, repeat, before=None):
    """CPU time of run() (this process, all threads), median and best of repeat runs."""
    timings = []
    for _ in range(repeat):
        if before:
            before()
        started = time.process_time()
        run()
        timings.append(time.process_time() - started)
    return sorted(timings)[len(timings) // 2], min(timings)


def edited(document, count):
    """The document with one sentence changed, as after a pause in typing (a new sentence each run)."""
    middle = document.index(". ", len(document) // 2)
    return f"{document[:middle]} (attempt {count}){document[middle:]}"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    started = time.process_time()
    model = default_model()  # the embeddings file and the artefact, once per process
    load_time = time.process_time() - started
    print(f"model load: {load_time * 1000:.0f} ms ({'learned model on' if model else 'no artefact: rules alone'})")
    print(f"runs: {args.repeat}; CPU time of this process, median and best")
    for name, document in (("templated post-mortem", build_document()), ("prose, no sentence repeated", distinct_document())):
        time_document(name, document, model, args.repeat)


def time_document(name, document, model, repeat):
    word_count = len(document.split())
    findings = analyze(document)  # warm-up: the word caches that every later run shares
    forget = lambda: clear_memos(model)  # noqa: E731
    rules_only = median_and_best(lambda: analyze(document, model=None), repeat, before=forget)
    cold = median_and_best(lambda: analyze(document), repeat, before=forget)
    counter = iter(range(10**9))
    warm = median_and_best(lambda: analyze(edited(document, next(counter))), repeat)
    print(f"\n{name}: {word_count} words, {len(document)} characters, {len(findings)} findings")
    print(f"  rules alone, first reading:         median {rules_only[0] * 1000:.1f} ms, best {rules_only[1] * 1000:.1f} ms")
    print(f"  rules + model, first reading:       median {cold[0] * 1000:.1f} ms, best {cold[1] * 1000:.1f} ms")
    print(f"  rules + model, one sentence edited: median {warm[0] * 1000:.1f} ms, best {warm[1] * 1000:.1f} ms")
    print(f"  per 1,000 words (first reading):    median {cold[0] * 1000 * 1000 / word_count:.2f} ms")


if __name__ == "__main__":
    main()
