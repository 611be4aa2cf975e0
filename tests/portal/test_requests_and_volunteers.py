"""The requests (12345), volunteers and their figures wired into the portal: search leads to
the request form with the category chosen, the home card shows open requests nearby, and the
dashboards and open data carry the requests' rates and the volunteers' hours."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shequ.appeals.demo import seed_appeals
from shequ.appeals.models import Appeal, Category
from shequ.appeals.selectors import rates as appeal_rates
from shequ.appeals.services import handling, intake
from shequ.core.scopes import Role
from shequ.people.models import User
from shequ.portal.indexing import rebuild
from shequ.portal.models import DatasetSnapshot, SearchDocument
from shequ.portal.services import snapshot_take
from shequ.volunteers.models import HoursEntry, Volunteer
from tests.factories import (
    NIJIAQIAO,
    SHUIJINGFANG,
    YULIN_NORTH,
    make_resident,
    make_staff,
    make_user,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
STREET = NIJIAQIAO[:9] + "000"
NOVEMBER = datetime(2026, 11, 10, 10, 0, tzinfo=SHANGHAI)
FROZEN_ON = datetime(2026, 12, 3, 1, 10, tzinfo=SHANGHAI)


@pytest.fixture
def world(chengdu: None) -> None:
    seed_appeals()
    rebuild()


@pytest.fixture
def reporter(world: None) -> User:
    user = make_user("reporter_p")
    make_resident(NIJIAQIAO, user=user, name="李四")
    return user


def report(user: User, text: str = "楼下路灯不亮了", **extra: Any) -> Appeal:
    return intake.appeal_submit(
        actor=user,
        category_id=Category.objects.get(code=extra.pop("category", "ludeng")).pk,
        description=text,
        community_code=extra.pop("community", NIJIAQIAO),
        **extra,
    )


def _get(client: Client, url: str, **params: str) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, response.content.decode()[:300]
    return response.content.decode()


# ------------------------------------------------------------------------------ search


@pytest.mark.parametrize("query", ["路灯坏了", "街灯不亮", "路灯故障"])
def test_a_broken_street_light_leads_to_the_form_with_its_category(
    client: Client, reporter: User, query: str
) -> None:
    page = _get(client, "/search/", q=query)
    button = page.index('data-testid="search-task"')
    groups = page.index('data-testid="group-appeal_category"')
    assert 'href="/appeals/new/?category=ludeng" data-testid="search-task">路灯故障<' in page
    # the categories come first, before every other kind of result
    assert button < groups < page.index('data-testid="group-task"')
    first_hit = page.index('data-testid="hit-appeal_category"', groups)
    assert page.rindex('href="/appeals/new/?category=ludeng"', 0, first_hit) > groups
    # the form opens with the category chosen
    client.force_login(reporter)
    form = _get(client, "/appeals/new/", category="ludeng")
    ludeng = Category.objects.get(code="ludeng")
    assert f'value="{ludeng.pk}" data-out="" data-redirect="" selected' in form


def test_the_general_report_task_now_opens_the_request_form(client: Client, world: None) -> None:
    page = _get(client, "/search/", q="井盖")
    assert 'href="/appeals/new/" data-testid="search-task"' in page
    assert "/report/" not in page
    # an old link to the portal's own report page lands on the same form
    old_link = client.get("/report/")
    assert old_link.status_code == 302
    assert old_link["Location"] == "/appeals/new/"


def test_categories_follow_their_changes_and_out_of_scope_ones_say_where_to_go(
    client: Client, world: None
) -> None:
    page = _get(client, "/search/", q="火警")
    assert 'href="/appeals/new/?category=jinji"' in page
    assert "119" in page  # the way elsewhere is shown, not a form that refuses
    ludeng = Category.objects.get(code="ludeng")
    ludeng.is_active = False
    ludeng.save()
    assert "category=ludeng" not in _get(client, "/search/", q="路灯坏了")
    ludeng.is_active = True
    ludeng.save()
    assert "category=ludeng" in _get(client, "/search/", q="路灯坏了")


def test_public_requests_are_found_and_private_ones_never(client: Client, reporter: User) -> None:
    public = report(reporter, "小区东门路灯闪烁")
    private = report(reporter, "我家门口路灯闪烁", is_private=True)
    page = _get(client, "/search/", q="路灯闪烁")
    assert f'href="/appeals/{public.pk}/"' in page
    assert f'href="/appeals/{private.pk}/"' not in page
    assert not SearchDocument.objects.filter(kind="appeal", key=str(private.pk))
    # made private afterwards: gone at once; the nightly rebuild agrees
    Appeal.objects.get(pk=public.pk).save()  # a save re-reads it
    public.is_private = True
    public.save()
    assert f'href="/appeals/{public.pk}/"' not in _get(client, "/search/", q="路灯闪烁")
    assert rebuild("appeal") == {"appeal": 0}


def test_a_requests_search_entry_follows_its_status_and_nothing_else_rewrites_it(
    client: Client, reporter: User
) -> None:
    """Filed, it is found as dispatched; signed for, as being handled. Joining a problem
    cluster (a save of fields the entry does not show) leaves the entry as it was."""
    worker = make_staff("njq_worker_i", Role.COMMUNITY_WORKER, NIJIAQIAO)
    first = report(reporter, "小区北门路灯闪烁")
    entry = SearchDocument.objects.get(kind="appeal", key=str(first.pk))
    assert entry.text.startswith(str(Appeal.Status.DISPATCHED.label))
    second = report(reporter, "小区北门路灯还是闪烁")  # no pin, same community: one cluster
    assert second.cluster_id is not None
    with CaptureQueriesContext(connection) as saved:
        second.save(update_fields=["cluster", "recurrence_of"])
    assert saved.captured_queries
    assert not [q for q in saved.captured_queries if "portal_searchdocument" in q["sql"]]
    handling.appeal_sign(actor=worker, appeal_id=first.pk)
    signed = Appeal.objects.get(pk=first.pk)
    entry = SearchDocument.objects.get(pk=entry.pk)
    assert entry.text.startswith(str(signed.get_status_display()))
    assert signed.status != Appeal.Status.DISPATCHED
    assert signed.get_status_display() in _get(client, "/search/", q="北门路灯")


# ------------------------------------------------------------------------------ home card


def test_the_community_card_shows_open_requests_nearby(client: Client, reporter: User) -> None:
    mine = report(reporter, "楼下路灯不亮")
    report(reporter, "家里的事", is_private=True)
    neighbour = make_user("far_p")
    make_resident(SHUIJINGFANG, user=neighbour, name="赵六")
    report(neighbour, "水井坊的路灯", community=SHUIJINGFANG)
    client.force_login(reporter)
    page = _get(client, "/")
    card = page[page.index('data-testid="card-requests"') :]
    assert "1 个未办结的诉求" in card or "1 open request" in card
    assert f'href="/appeals/{mine.pk}/"' in card
    assert "家里的事" not in page
    assert "水井坊的路灯" not in page
    assert 'href="/appeals/new/" data-testid="card-report"' in card
    # a new request shows at once (the card's cache is bumped)
    later = report(reporter, "垃圾桶满了", category="shirong")
    page = _get(client, "/")
    assert f'href="/appeals/{later.pk}/"' in page


def test_the_card_costs_the_same_with_more_requests(client: Client, reporter: User) -> None:
    client.force_login(reporter)
    report(reporter, "一个")

    def queries() -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        return len(captured)

    queries()  # the session's first page does more (once)
    one = queries()
    for n in range(4):
        report(reporter, f"又一个{n}")
    assert queries() == one


# ------------------------------------------------------------------------------ dashboards


def _november_requests(reporter: User) -> None:
    """Six street-light requests handled and rated in November by 倪家桥's unit: five
    satisfied and fixed, one dissatisfied."""
    worker = make_staff("njq_worker_p", Role.COMMUNITY_WORKER, NIJIAQIAO)
    with time_machine.travel(NOVEMBER, tick=False):
        for n in range(6):
            appeal = report(reporter, f"路灯{n}")
            handling.appeal_sign(actor=worker, appeal_id=appeal.pk)
            handling.appeal_close(actor=worker, appeal_id=appeal.pk, reply="修好了")
            happy = n < 5
            handling.appeal_rate(
                actor=reporter,
                appeal_id=appeal.pk,
                level="satisfied" if happy else "dissatisfied",
                fixed=happy,
                comment="" if happy else "没修好",
            )


def _figure(page: str, code: str) -> str:
    start = page.index(f'data-testid="figure-{code}"')
    return page[start : page.index("</section>", start)]


def test_the_dashboards_show_the_requests_rates_as_the_requests_app_counts_them(
    client: Client, reporter: User
) -> None:
    _november_requests(reporter)
    with time_machine.travel(FROZEN_ON, tick=False):
        snapshot_take(dataset="appeal-rates")
        street = _figure(_get(client, f"/dashboards/{STREET}/"), "appeal-rates")
    since = datetime(2026, 11, 1, tzinfo=SHANGHAI)
    until = datetime(2026, 12, 1, tzinfo=SHANGHAI)
    (unit,) = appeal_rates.unit_rates(since=since, until=until)
    assert (unit.satisfaction_rate, unit.resolution_rate) == (83.3, 83.3)
    assert "2026-11" in street
    assert "83.3" in street
    assert 'href="/open-data/appeal-rates/" data-testid="data-and-method"' in street
    assert "2026-12-03 01:10" in street  # when its data was frozen
    # the district and the city count the same requests
    snapshot = DatasetSnapshot.objects.get(dataset="appeal-rates")
    rows = {row[0]: dict(zip(snapshot.columns, row, strict=True)) for row in snapshot.rows}
    for code in (NIJIAQIAO, STREET, NIJIAQIAO[:6] + "000000", "510100000000"):
        assert rows[code]["rated"] == 6
        assert rows[code]["satisfaction_rate"] == unit.satisfaction_rate
        assert rows[code]["response_rate"] == unit.response_rate
        assert rows[code]["on_time_rate"] == unit.on_time_rate
    # a community without requests: zeros and no rate (not a made-up 0 %)
    assert rows[YULIN_NORTH]["rated"] == 0
    assert rows[YULIN_NORTH]["satisfaction_rate"] == ""


def test_rates_of_a_few_residents_ratings_are_suppressed(client: Client, reporter: User) -> None:
    worker = make_staff("njq_worker_s", Role.COMMUNITY_WORKER, NIJIAQIAO)
    with time_machine.travel(NOVEMBER, tick=False):
        appeal = report(reporter)
        handling.appeal_sign(actor=worker, appeal_id=appeal.pk)
        handling.appeal_close(actor=worker, appeal_id=appeal.pk, reply="修好了")
        handling.appeal_rate(
            actor=reporter, appeal_id=appeal.pk, level="dissatisfied", fixed=False, comment="差"
        )
    with time_machine.travel(FROZEN_ON, tick=False):
        snapshot_take(dataset="appeal-rates")
        community = _figure(_get(client, f"/dashboards/{NIJIAQIAO}/"), "appeal-rates")
    snapshot = DatasetSnapshot.objects.get(dataset="appeal-rates")
    rows = {row[0]: dict(zip(snapshot.columns, row, strict=True)) for row in snapshot.rows}
    ours = rows[NIJIAQIAO]
    assert (ours["rated"], ours["satisfaction_rate"], ours["resolution_rate"]) == (None, None, None)
    assert ours["closed"] == 1  # a unit's work is not a person's verdict
    # one resident's "dissatisfied" is not readable: ratings and both rates starred
    assert community.count("*</span>") == 3
    assert ">0.0<" not in community


def test_the_dashboards_show_volunteer_hours(client: Client, reporter: User) -> None:
    volunteers = []
    for n in range(6):
        user = make_user(f"vol_p{n}")
        resident = make_resident(NIJIAQIAO, user=user, name=f"志愿者{n}")
        volunteers.append(
            Volunteer.objects.create(
                user=user, resident=resident, number=f"V{n:05d}", community_id=NIJIAQIAO
            )
        )
    for n, volunteer in enumerate(volunteers):
        for community in (NIJIAQIAO, YULIN_NORTH):
            HoursEntry.objects.create(
                volunteer=volunteer,
                kind=HoursEntry.Kind.HONOUR,
                hours=Decimal("2.5") if community == NIJIAQIAO else Decimal(n + 1),
                community_id=community,
                served_on=date(2026, 11, 1),
                content="敬老",
                recorded_by_name="社区",
            )
    with time_machine.travel(FROZEN_ON, tick=False):
        snapshot_take(dataset="volunteer-hours")
        street = _figure(_get(client, f"/dashboards/{STREET}/"), "volunteer-hours")
    snapshot = DatasetSnapshot.objects.get(dataset="volunteer-hours")
    rows = {row[0]: dict(zip(snapshot.columns, row, strict=True)) for row in snapshot.rows}
    assert rows[NIJIAQIAO]["hours"] == "15.00"
    assert rows[STREET]["hours"] == "36.00"  # 15 + (1 + 2 + … + 6)
    # the same six people served in both communities: six volunteers in the street, not 12
    assert rows[STREET]["volunteers"] == 6
    assert "36.00" in street
    assert 'href="/open-data/volunteer-hours/" data-testid="data-and-method"' in street


def test_the_new_datasets_are_in_the_dcat_catalogue(client: Client, world: None) -> None:
    body = client.get("/open-data/catalog.jsonld").json()
    found = {d["dct:identifier"]: d for d in body["dcat:dataset"]}
    for code in ("appeal-rates", "volunteer-hours"):
        dataset = found[code]
        assert dataset["dct:title"]
        assert dataset["dct:description"]
        assert dataset["dcat:distribution"]
        assert dataset["csvw:tableSchema"]["csvw:column"]
