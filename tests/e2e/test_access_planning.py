"""The issue's "Done when" in the browser: a planner of the city committee (demo account) starts a
run on the shipped central-Chengdu network, waits while it computes, sees which communities fail
the 15-minute promise for which services, asks for the best 5 new elderly-care sites in 青羊区,
sees the gain of each, runs the what-if with them and sees elderly-care coverage improve. Then
the 武侯区 district planner sees only their own district in the same run."""

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from shequ.access import tasks
from shequ.access.models import Network, Run
from shequ.access.services.network_imports import shipped_setup
from shequ.access.services.runs import run_create, run_execute
from shequ.people.demo import DEMO_PASSWORD, ensure_demo_accounts, ensure_departments
from tests.e2e.steps import log_in

pytestmark = pytest.mark.e2e

SLOW_MS = 60_000  # a run on a busy two-core machine


class Worker:
    """Stands in for the task worker: runs are queued by the page and computed when the test
    says so, so the page is seen waiting first."""

    def __init__(self) -> None:
        self.queued: list[int] = []

    def enqueue(self, run_id: int) -> SimpleNamespace:
        self.queued.append(run_id)
        return SimpleNamespace(id=f"test-{run_id}")

    def work(self) -> Run:
        assert len(self.queued) == 1, self.queued
        return run_execute(self.queued.pop())


@pytest.fixture
def shipped(chengdu: None, settings: Any, tmp_path: Path) -> Network:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    ensure_demo_accounts(ensure_departments())
    network, _ = shipped_setup(actor=None)
    return network


def test_planner_runs_sites_and_sees_the_what_if_gain(
    phone_page: Page, shipped: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = Worker()
    monkeypatch.setattr(tasks, "access_run", worker)
    page = phone_page
    log_in(page, "committee", DEMO_PASSWORD)

    # 1. Start a run on the shipped network and wait for it.
    page.goto("/console/access/")
    form = page.get_by_test_id("run-form")
    expect(form.locator("select[name=network] option")).to_contain_text(shipped.name)
    form.locator("input[name=label]").fill("2026 中心城区")
    form.get_by_role("button", name="开始分析").click()
    progress = page.get_by_test_id("run-progress")
    expect(progress).to_contain_text("排队中")
    expect(page.get_by_test_id("coverage-table")).to_have_count(0)
    run = worker.work()
    assert run.status == Run.Status.DONE
    table = page.get_by_test_id("coverage-table")
    expect(table).to_be_visible(timeout=SLOW_MS)  # the page reloads itself when the run is over
    expect(progress).to_contain_text("已完成")

    # 2. Which communities fail which services; elderly care has no facility in the shipped
    # extract, so it says "no data" instead of failing everywhere.
    summary = page.get_by_test_id("failing-summary")
    expect(summary.locator("tr[data-category=elderly_care]")).to_contain_text("无数据")
    clinic = summary.locator("tr[data-category=clinic]")
    expect(clinic).to_contain_text("医疗机构")
    clinic.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"fails=clinic"))
    fails = page.get_by_test_id("coverage-table").get_by_test_id("fails")
    expect(fails.first).to_contain_text("医疗机构")
    texts = fails.all_inner_texts()
    assert texts
    assert all("医疗机构" in t for t in texts)

    # 3. Best 5 new elderly-care sites in 青羊区, with the gain of each step.
    siting = page.get_by_test_id("siting-form")
    siting.locator("select[name=category]").select_option("elderly_care")
    siting.locator("select[name=district]").select_option("510105000000")
    siting.get_by_role("button", name="寻找最佳选址").click()
    steps = page.get_by_test_id("siting-steps").locator("tbody tr")
    expect(steps).to_have_count(5, timeout=SLOW_MS)
    gains = [float(t.replace(",", "")) for t in steps.locator("td:nth-child(3)").all_inner_texts()]
    assert gains[0] > 0
    assert gains == sorted(gains, reverse=True)  # greedy: each site adds no more than the last
    expect(page.get_by_test_id("siting-gain")).to_contain_text("→")

    # 4. The what-if: add the five sites, recompute, compare with the run before.
    page.get_by_test_id("what-if-form").get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"/console/access/compare/\?a=\d+&b=\d+"))
    expect(page.get_by_test_id("compare-categories")).to_have_count(0)
    what_if = worker.work()
    assert what_if.base_run_id == run.pk
    row = page.get_by_test_id("compare-categories").locator("tr[data-category=elderly_care]")
    expect(row).to_be_visible(timeout=SLOW_MS)
    expect(row.get_by_test_id("diff")).to_have_text(re.compile(r"^\+\d+\.\d$"))
    expect(row.get_by_test_id("diff")).not_to_have_text("+0.0")
    clinic = page.get_by_test_id("compare-categories").locator("tr[data-category=clinic]")
    expect(clinic.get_by_test_id("diff")).to_have_text("0.0")
    communities = page.get_by_test_id("compare-communities").locator("tbody tr")
    expect(communities.first).to_contain_text("+")
    expect(page.get_by_test_id("compare-counts")).to_contain_text("个社区改善，0 个社区变差")


def test_district_planner_sees_and_sites_only_in_their_district(
    phone_page: Page, shipped: Network
) -> None:
    run = run_execute(run_create(actor=None, network=shipped).pk)
    page = phone_page
    log_in(page, "district", DEMO_PASSWORD)
    page.goto(f"/console/access/r/{run.pk}/?level=street")
    table = page.get_by_test_id("coverage-table")
    expect(table.locator("tbody tr").first).to_contain_text("武侯区")
    parents = table.locator("tbody tr td:first-child small").all_inner_texts()
    assert parents
    assert set(parents) == {"武侯区"}
    siting = page.get_by_test_id("siting-form")
    expect(siting.locator("select[name=district] option")).to_have_count(1)
    expect(siting.locator("select[name=district]")).to_contain_text("武侯区")
