"""A lead reads the trends of the demo organisation, narrows them, and follows a bar to its incidents."""
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from postmortems.models import PostMortem
from tests.browser.test_accessibility import axe_violations
from tests.factories import PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHARTS_DRAWN = """() => {
  const canvases = [...document.querySelectorAll('[data-chart] canvas')];
  return canvases.length === 8 && canvases.every((canvas) => window.Chart && Chart.getChart(canvas));
}"""
TOTALS = """() => Object.fromEntries([...document.querySelectorAll('[data-chart]')].map((figure) => {
  const chart = Chart.getChart(figure.querySelector('canvas'));
  const sum = chart.data.datasets.reduce((total, set) => total + set.data.reduce((a, b) => a + (b || 0), 0), 0);
  return [figure.dataset.chart, sum];
}))"""


@pytest.fixture
def demo(transactional_db):
    """The demo organisation, with the blame figures publication would have stored.

    seed_demo bulk-creates its post-mortems, so it skips the measuring that
    publishing does; measure the published ones here so the blame chart has data.
    """
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    for postmortem in PostMortem.objects.filter(status=PostMortem.Status.PUBLISHED):
        postmortem.measure_blame_language()
        postmortem.save(update_fields=["blame_counts", "word_count"])
    lead = get_user_model().objects.get(username="priya")  # lead of Payments
    lead.set_password(PASSWORD)
    lead.save()
    return lead


def bar_position(page, chart, dataset_label):
    """Page coordinates of the first non-empty bar of a dataset, and its value."""
    return page.evaluate("""([name, label]) => {
      const canvas = document.querySelector(`[data-chart="${name}"] canvas`);
      const chart = Chart.getChart(canvas);
      const index = chart.data.datasets.findIndex((set) => set.label === label);
      const values = chart.data.datasets[index].data;
      const at = values.findIndex((value) => value > 0);
      const bar = chart.getDatasetMeta(index).data[at];
      const box = canvas.getBoundingClientRect();
      return {x: box.left + bar.x, y: box.top + (bar.y + bar.base) / 2, value: values[at]};
    }""", [chart, dataset_label])


def test_lead_reads_trends_filters_them_and_opens_the_incidents_behind_a_bar(page, log_in, demo):
    log_in(demo)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Trends").click()
    page.wait_for_url("**/trends/")
    page.wait_for_function(CHARTS_DRAWN)
    expect(page.get_by_role("heading", name="Learning trends")).to_be_visible()
    expect(page.locator(".repeat-theme").first).to_be_visible()
    before = page.evaluate(TOTALS)
    assert before["incidents-kind"] > 0 and before["themes-over-time"] > 0 and before["blame-rate"] > 0
    assert before["follow-through"] > 0 and before["publish-delay"] > 0

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "trends.png"), full_page=True)
    assert axe_violations(page) == []

    page.get_by_role("group", name="Teams").get_by_label("Platform").check()
    page.get_by_role("group", name="Kind").get_by_label("Technical").check()
    page.get_by_role("button", name="Update").click()
    page.wait_for_url("**/trends/?**team=**")
    page.wait_for_function(CHARTS_DRAWN)
    after = page.evaluate(TOTALS)
    assert 0 < after["incidents-kind"] < before["incidents-kind"]
    expect(page.get_by_text("for Platform, technical incidents only")).to_be_visible()

    bar = bar_position(page, "incidents-kind", "Technical")
    page.mouse.click(bar["x"], bar["y"])
    page.wait_for_url("**/?**from=**")
    count = int(bar["value"])
    expect(page.get_by_text(f"{count} post-mortem{'s' if count != 1 else ''} match these filters")).to_be_visible()
    assert page.locator(".list-group-item").count() == count
    expect(page.locator(".list-group-item").first).to_contain_text("Platform")


def test_the_table_links_lead_to_the_same_incidents_without_javascript(browser, live_server, demo):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(demo.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/trends/?period=365")
    expect(page.locator("[data-chart]").first).to_be_hidden()  # charts need JavaScript; tables do not
    table = page.get_by_role("table", name="Incidents per month by kind and severity")
    link = table.locator("tbody a").first
    count = int(link.inner_text())
    link.click()
    expect(page.get_by_text(f"{count} post-mortem{'s' if count != 1 else ''} match these filters")).to_be_visible()
    context.close()
