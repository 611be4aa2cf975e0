"""The 15-minute service circle in the browser: a planner of the city committee opens the
finished run, sees the worst communities, colours the map by clinic walk time and asks for the
best 5 new elderly-care sites in 青羊区."""

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from shequ.access.models import Run
from shequ.access.services.network_imports import shipped_setup
from shequ.access.services.runs import run_create, run_execute
from shequ.core.scopes import CITY_CODE, Role
from tests.e2e.steps import log_in
from tests.factories import make_staff

pytestmark = pytest.mark.e2e


@pytest.fixture
def finished_run(chengdu: None, settings: Any, tmp_path: Path) -> Run:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    make_staff("acc_e2e", Role.CITY_COMMITTEE, CITY_CODE)
    network, _ = shipped_setup(actor=None)
    run = run_create(actor=None, network=network, label="e2e")
    return run_execute(run.pk)


def test_planner_sees_gaps_map_and_best_sites(phone_page: Page, finished_run: Run) -> None:
    page = phone_page
    log_in(page, "acc_e2e", "correct-horse-42")
    page.goto(f"/console/access/r/{finished_run.pk}/")
    table = page.get_by_test_id("coverage-table")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr").first).to_contain_text("%")
    page.goto(f"/console/access/r/{finished_run.pk}/map/?category=clinic")
    expect(page.locator("#access-map[data-ready='1']")).to_be_attached()
    expect(page.get_by_test_id("map-count")).not_to_have_text("0")
    # Choosing another category reloads the map on its own (the select submits its form).
    page.locator("select[name=category]").select_option("elderly_care")
    expect(page).to_have_url(re.compile(r"category=elderly_care"))
    expect(page.locator("#access-map[data-ready='1']")).to_be_attached()
    page.goto(f"/console/access/r/{finished_run.pk}/")
    form = page.get_by_test_id("siting-form")
    form.locator("select[name=category]").select_option("elderly_care")
    form.locator("select[name=district]").select_option("510105000000")
    form.get_by_role("button", name="寻找最佳选址").click()
    steps = page.get_by_test_id("siting-steps")
    expect(steps.locator("tbody tr")).to_have_count(5)
    expect(page.get_by_test_id("siting-gain")).to_contain_text("→")
