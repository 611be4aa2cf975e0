"""The dead-end crawl: a signed-in resident on a phone opens every service of the demo
catalogue and follows its primary action; nothing may end in a 404, a 500, "暂不支持",
"没有可预约的场地", an empty list with no way forward, or a bare link to 我的办件.

The crawl itself uses the browser context's own HTTP client (``page.request``: the same
cookies, no rendering) so 120-odd services take seconds; a real-browser pass then taps
through one service of each kind — a form, the window, a booking, and 社保缴费查询 through
single sign-on into the demo department app of ``examples/shebao``.
"""

import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from examples.shebao.app import ShebaoApp
from playwright.sync_api import APIResponse, Page, expect

from shequ.bookings.demo import seed_bookings
from shequ.bookings.models import Slot, Venue
from shequ.casework.demo import seed_casework
from shequ.catalogue.demo import seed_catalogue
from shequ.catalogue.models import Service
from shequ.core.scopes import Role
from shequ.people.models import Department, VerificationLevel
from shequ.sso import services as sso_services
from tests.e2e.steps import log_in
from tests.factories import NIJIAQIAO, make_resident, make_staff, make_user

pytestmark = pytest.mark.e2e

PASSWORD = "Kuanzhai-xiangzi-2026"
DEAD_ENDS = ("暂不支持", "没有可预约的场地", "No venues to book", "not take online applications")
ACTION = re.compile(r'href="([^"]+)"[^>]*data-testid="[a-z-]+" data-action="(\w+)"')
IN_PERSON_BOOKING = re.compile(r'href="([^"]+)" data-testid="in-person-booking"')
VENUE = re.compile(r'href="(/bookings/venues/\d+/)" data-testid="venue-row"')
MY_APPLICATIONS = "/casework/"
SLOW_MS = 30_000  # the crawl's server also seeds; a busy CI machine answers slowly


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def shebao_server() -> Iterator[WSGIServer]:
    """The demo department app's web server on a free loopback port (app set by the fixture)."""
    server = make_server("127.0.0.1", 0, lambda environ, start: [], handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def demo_city(
    chengdu: None, settings: Any, tmp_path: Any, live_server: Any, shebao_server: WSGIServer
) -> dict[str, Any]:
    """What `make run` loads for the citizen cloud: the catalogue, the demo forms, the venues
    and the 社保缴费查询 department app (here on a free port), and one verified resident."""
    settings.MEDIA_ROOT = tmp_path / "media"
    seed_catalogue(policies_per_service=0)
    seed_casework()
    seed_bookings(days=14)
    # The demo slots follow the holiday table's years; the crawl needs one ahead in any year.
    tomorrow = (timezone_now() + timedelta(days=1)).replace(hour=10, minute=0, second=0)
    for venue in Venue.objects.all():
        Slot.objects.get_or_create(
            venue=venue,
            starts_at=tomorrow,
            defaults={"ends_at": tomorrow + timedelta(hours=1), "capacity": venue.capacity},
        )
    app_url = f"http://127.0.0.1:{shebao_server.server_port}"
    admin = make_staff("demo-admin", Role.SYSTEM_ADMIN)
    app, secret = sso_services.app_register(
        actor=admin,
        name="社保缴费查询",
        department_id=Department.objects.get(code="renshe").pk,
        redirect_uris=f"{app_url}/callback",
        post_logout_redirect_uris=f"{app_url}/",
        scopes=["openid", "profile", "community", "verification"],
        min_level=VerificationLevel.ID_CHECKED,
    )
    shebao_server.set_app(
        ShebaoApp(
            discovery_url=f"{live_server.url}/.well-known/openid-configuration",
            client_id=app.client_id,
            client_secret=secret,
            base_url=app_url,
        )
    )
    Service.objects.filter(code="shebao-jiaofei-chaxun").update(
        sso_app=app, sso_entry_url=f"{app_url}/login"
    )
    user = make_user("chenxiaoyu", password=PASSWORD)
    make_resident(NIJIAQIAO, user=user, name="陈晓雨", level=VerificationLevel.ID_CHECKED)
    return {"app_url": app_url}


def timezone_now() -> Any:
    from django.utils import timezone

    return timezone.localtime()


def _get(page: Page, url: str, where: str) -> str:
    response: APIResponse = page.request.get(url)
    assert response.status == 200, f"{where}: {url} answered {response.status}"
    text = response.text()
    for dead_end in DEAD_ENDS:
        assert dead_end not in text, f"{where}: {url} says {dead_end}"
    return text


def _follow_booking(page: Page, url: str, where: str) -> None:
    venues = _get(page, url, where)
    found = VENUE.findall(venues)
    assert found, f"{where}: no venue to book at {url}"
    slots = _get(page, found[0], where)
    assert 'data-testid="slot-row"' in slots, f"{where}: no time to book at {found[0]}"


def test_every_service_page_leads_somewhere(phone_page: Page, demo_city: dict[str, Any]) -> None:
    page = phone_page
    page.set_default_timeout(SLOW_MS)
    log_in(page, "chenxiaoyu", PASSWORD)
    services = list(Service.objects.filter(is_published=True).order_by("code"))
    assert len(services) >= 120
    seen: dict[str, int] = {}
    for service in services:
        where = f"{service.name} ({service.code})"
        html = _get(page, f"/catalogue/services/{service.pk}/", where)
        match = ACTION.search(html)
        action = match.group(2) if match else ""
        seen[action or "in_person"] = seen.get(action or "in_person", 0) + 1
        if match is None:
            # No button: the page itself says where, when and how, with a real phone line.
            assert 'data-testid="in-person"' in html, f"{where}: no action and no in-person way"
            assert 'data-testid="in-person-window"' in html, where
            assert 'href="tel:' in html, where
            if service.kind == Service.Kind.APPLICATION:
                assert 'data-testid="in-person-hours"' in html, where
                assert 'data-testid="in-person-address"' in html, where
            booking = IN_PERSON_BOOKING.search(html)
            if booking:
                _follow_booking(page, booking.group(1).replace("&amp;", "&"), where)
            continue
        url = match.group(1).replace("&amp;", "&")
        assert url.rstrip("/") != MY_APPLICATIONS.rstrip("/"), f"{where}: only 我的办件"
        if action == "apply":
            form = _get(page, url, where)
            assert 'data-testid="submit"' in form, f"{where}: no form to submit"
        elif action == "appeal":
            # A complaint or repair: the request intake, its category already chosen.
            intake = _get(page, url, where)
            assert 'data-testid="submit"' in intake, f"{where}: no request form"
            assert "selected" in intake, f"{where}: the category is not chosen"
        elif action == "done":
            # Done already (志愿者注册 by a registered volunteer): where it stands, no second form.
            assert 'data-testid="already-done"' in html, where
            mine = _get(page, url, where)
            assert 'data-testid="volunteer-number"' in mine, where
        elif action == "book":
            _follow_booking(page, url, where)
        elif action == "pay":
            bills = _get(page, url, where)
            assert 'data-testid="bill-row"' in bills or 'data-testid="no-bills"' in bills, where
            assert "?kind=payment" in bills or 'data-testid="bill-row"' in bills, where
        elif action == "app":
            # The department app sends the resident to shequ's sign-in; the consent screen.
            assert url == f"{demo_city['app_url']}/login", where
            consent = page.request.get(url)
            assert consent.status == 200, where
            assert "/o/authorize/" in consent.url, where
            assert 'data-testid="consent"' in consent.text(), where
        else:
            pytest.fail(f"{where}: unknown action {action}")
    # Every kind of answer occurs: forms, the window, bookings, bills and one department app.
    assert seen["apply"] >= 30
    assert seen["in_person"] >= 30
    assert seen["book"] >= 15
    assert seen["pay"] == 3
    assert seen["app"] == 1


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_resident_taps_through_each_kind_on_a_phone(
    phone_page: Page, demo_city: dict[str, Any]
) -> None:
    page = phone_page
    page.set_default_timeout(SLOW_MS)
    log_in(page, "chenxiaoyu", PASSWORD)

    def open_service(code: str) -> None:
        page.goto(f"/catalogue/services/{Service.objects.get(code=code).pk}/")
        _no_sideways_scroll(page)

    # 低保: a real form, with the phone number and the spouse's ID number as sealed fields.
    open_service("dibao-shenqing")
    page.get_by_test_id("apply").click()
    expect(page.get_by_role("heading", name=re.compile("最低生活保障申请"))).to_be_visible()
    expect(page.get_by_label(re.compile("联系电话"))).to_be_visible()
    expect(page.get_by_test_id("submit")).to_be_visible()
    _no_sideways_scroll(page)

    # 居民身份证首次申领: at the window only — where, when, what to bring; no "apply online".
    open_service("shenfenzheng-shenling")
    block = page.get_by_test_id("in-person")
    expect(block).to_contain_text("到窗口办理")
    expect(page.get_by_test_id("in-person-window")).to_contain_text("公安综合窗口")
    expect(page.get_by_test_id("in-person-hours")).to_contain_text("周一至周五")
    expect(block).to_contain_text("近期免冠照片")
    expect(page.get_by_test_id("service-action")).to_have_count(0)
    expect(page.get_by_test_id("apply")).to_have_count(0)
    expect(page.get_by_text("在线申请")).to_have_count(0)
    page.get_by_test_id("in-person-booking").click()
    expect(page.get_by_test_id("venue-row").first).to_be_visible()

    # 结婚登记: a venue with times to book.
    open_service("huji-jiehun")
    page.get_by_test_id("service-action").click()
    page.get_by_test_id("venue-row").first.click()
    expect(page.get_by_test_id("slot-row").first).to_be_visible()
    _no_sideways_scroll(page)

    # 社保缴费查询: into the department's own app, signed in with one consent.
    open_service("shebao-jiaofei-chaxun")
    expect(page.get_by_test_id("app-note")).to_contain_text("社保缴费查询")
    page.get_by_test_id("service-action").click()
    expect(page.get_by_test_id("consent")).to_contain_text("社保缴费查询")
    page.get_by_test_id("consent-allow").click()
    expect(page).to_have_url(f"{demo_city['app_url']}/")
    expect(page.get_by_test_id("who")).to_contain_text("陈*雨")
    expect(page.get_by_test_id("who")).to_contain_text("倪家桥")
    expect(page.get_by_test_id("records").locator("tbody tr")).to_have_count(12)
    expect(page.get_by_text("陈晓雨")).to_have_count(0)
    # The second time there is no consent screen: straight back into the app.
    open_service("shebao-jiaofei-chaxun")
    page.get_by_test_id("service-action").click()
    expect(page.get_by_test_id("records")).to_be_visible()
