"""Locust journeys for benchmarks/scale_out.py: engineers reading, searching, editing and following up.

Run by scale_out.py, which prepares the users and writes the plan this file reads
(SCALE_OUT_PLAN: the password and, per user, the post-mortems they author). Each
Locust user signs in as its own Debrief user through the login form (CSRF and all) on
one of the web instances (SCALE_OUT_HOSTS, alternating), then works as a person would:
reads the list, searches, opens post-mortems, edits one it co-authors (sometimes from
a stale second tab, so the save is refused as a conflict), works the action dashboard
(moving its own items' due dates, which makes new reminders due) and opens the trends.

A refused save (409: someone saved meanwhile) is the editor doing its job, so it counts
as a success in Locust's table and in the outcome counts written to SCALE_OUT_RESULTS.
"""
import itertools
import json
import os
import random
import re
from collections import Counter
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

from locust import HttpUser, between, events, task

HOSTS = [host for host in os.environ.get("SCALE_OUT_HOSTS", "http://127.0.0.1:8101").split(",") if host]
SEARCHES = ["pool", "connection pool", '"connection pool"', "exhausted", "incident 12", "load -pool", "conn",
            "pool or timeout", "bench incident"]
POSTMORTEM_LINK = re.compile(r'href="/postmortems/(\d+)/"')
DUE_DATE_FORM = re.compile(r'action="/actions/(\d+)/due-date/"')
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Share of edits made from a second tab opened before the first one saved: that save must be refused.
STALE_TAB_SHARE = 0.25

outcomes = Counter()
_numbers = itertools.count()


def load_plan():
    path = os.environ.get("SCALE_OUT_PLAN")
    if not path:
        return {"password": "", "users": []}
    with open(path) as plan:
        return json.load(plan)


PLAN = load_plan()


class FormFields(HTMLParser):
    """The name/value pairs a browser would submit for one <form> (found by id), without pressing a button.

    Skips <template> content, disabled controls and buttons; takes checked boxes, selected
    options (the first one when a single select has none), and textareas without the one
    leading newline browsers drop.
    """

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.fields = []
        self._in_form = False
        self._template_depth = 0
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "template":
            self._template_depth += 1
        elif tag == "form" and attrs.get("id") == self.form_id:
            self._in_form = True
        if not self._in_form or self._template_depth or "disabled" in attrs:
            return
        if attrs.get("form") not in (None, self.form_id):
            return
        name = attrs.get("name")
        if tag == "input" and name:
            self._input(name, attrs)
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select = {"name": name, "multiple": "multiple" in attrs, "first": None, "chosen": []}
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in attrs:
                self._select["chosen"].append(value)

    def _input(self, name, attrs):
        kind = attrs.get("type", "text").lower()
        if kind in ("submit", "button", "image", "reset", "file"):
            return
        if kind in ("checkbox", "radio"):
            if "checked" in attrs:
                self.fields.append((name, attrs.get("value", "on")))
            return
        self.fields.append((name, attrs.get("value", "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "template":
            self._template_depth -= 1
        elif tag == "form" and self._in_form and not self._template_depth:
            self._in_form = False
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            self.fields.append((name, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            select = self._select
            chosen = select["chosen"] or ([] if select["multiple"] or select["first"] is None else [select["first"]])
            self.fields.extend((select["name"], value) for value in chosen)
            self._select = None


def form_fields(html, form_id):
    parser = FormFields(form_id)
    parser.feed(html)
    return parser.fields


def with_summary_line(fields, line):
    """The fields with the summary's last line replaced by `line` (so repeated edits do not grow it)."""
    edited = []
    for name, value in fields:
        if name == "summary":
            kept = [text for text in value.replace("\r\n", "\n").split("\n") if not text.startswith("Reviewed by ")]
            value = "\n".join([*kept, line]).strip()
        edited.append((name, value))
    return edited


class Engineer(HttpUser):
    """One engineer of one team: co-authors a few post-mortems and owns a few action items."""

    host = HOSTS[0]
    wait_time = between(1, 3)

    def on_start(self):
        number = next(_numbers)
        self.client.base_url = HOSTS[number % len(HOSTS)]
        person = PLAN["users"][number % len(PLAN["users"])]
        self.username, self.postmortems = person["username"], person["postmortems"]
        self.edits = 0
        self.log_in()

    def log_in(self):
        page = self.client.get("/accounts/login/", name="login form")
        token = CSRF_TOKEN.search(page.text).group(1)
        with self.client.post("/accounts/login/", name="login", allow_redirects=False, catch_response=True,
                              data={"csrfmiddlewaretoken": token, "username": self.username,
                                    "password": PLAN["password"], "next": "/"}) as response:
            if response.status_code != 302:
                response.failure(f"login refused for {self.username}: {response.status_code}")

    # Reading ------------------------------------------------------------------------------

    @task(4)
    def browse_the_list(self):
        page = random.choice([1, 1, 1, 2, 3, random.randint(4, 50)])
        listing = self.client.get(f"/?page={page}", name="list")
        self.open_one_of(listing.text)

    @task(3)
    def search(self):
        results = self.client.get("/", params={"q": random.choice(SEARCHES)}, name="search")
        self.open_one_of(results.text)

    def open_one_of(self, html):
        found = POSTMORTEM_LINK.findall(html)
        if found:
            self.client.get(f"/postmortems/{random.choice(found)}/", name="post-mortem")

    @task(1)
    def trends(self):
        self.client.get(random.choice(["/trends/", "/trends/", "/trends/?period=365"]), name="trends")

    # Writing ------------------------------------------------------------------------------

    @task(2)
    def edit_a_postmortem(self):
        """Open a co-authored post-mortem, edit its summary and save; now and then also save a stale tab."""
        pk = random.choice(self.postmortems)
        self.client.get(f"/postmortems/{pk}/", name="post-mortem")
        first_tab = self.open_editor(pk)
        second_tab = self.open_editor(pk) if random.random() < STALE_TAB_SHARE else None
        if first_tab is None:
            return
        self.save(pk, first_tab, stale_tab=False)
        if second_tab is not None:
            self.save(pk, second_tab, stale_tab=True)

    def open_editor(self, pk):
        response = self.client.get(f"/postmortems/{pk}/edit/", name="editor")
        if response.status_code != 200:
            return None
        return form_fields(response.text, "postmortem-form")

    def save(self, pk, fields, *, stale_tab):
        self.edits += 1
        fields = with_summary_line(fields, f"Reviewed by {self.username}, pass {self.edits}.")
        with self.client.post(f"/postmortems/{pk}/edit/", data=[*fields, ("action", "save")], name="save edit",
                              allow_redirects=False, catch_response=True) as response:
            if response.status_code == 302:
                outcomes["saved"] += 1
                response.success()
            elif response.status_code == 409:
                # Refused with both versions side by side: the editor's conflict handling, not an error.
                kind = "version" if 'id="edit-conflict"' in response.text else "action item changed"
                outcomes[f"conflict: {kind}{' (stale tab)' if stale_tab else ''}"] += 1
                response.success()
            else:
                outcomes[f"save failed: {response.status_code}"] += 1
                response.failure(f"save answered {response.status_code}")

    # Following up -----------------------------------------------------------------------------

    @task(2)
    def work_the_action_dashboard(self):
        """The team's open items, a tab, then one's own items: move one due date (as htmx does)."""
        self.client.get("/actions/", name="actions")
        self.client.get(f"/actions/?status={random.choice(['overdue', 'due_week', 'all'])}", name="actions tab")
        mine = self.client.get("/actions/mine/", name="my actions")
        items = DUE_DATE_FORM.findall(mine.text)
        token = CSRF_TOKEN.search(mine.text)
        if not items or not token:
            return
        today = datetime.now(timezone.utc).date()
        due = today + timedelta(days=random.choice([1, 2, 3, 5, 10]))
        response = self.client.post(
            f"/actions/{random.choice(items)}/due-date/", name="move due date", headers={"HX-Request": "true"},
            data={"csrfmiddlewaretoken": token.group(1), "due_date": due.isoformat(),
                  "reason": "Waiting on the vendor's patch", "next": "/actions/mine/"},
        )
        if response.status_code == 200:
            outcomes["due dates moved"] += 1


@events.quitting.add_listener
def write_outcomes(environment, **kwargs):
    path = os.environ.get("SCALE_OUT_RESULTS")
    if path:
        with open(path, "w") as results:
            json.dump(dict(outcomes), results)
