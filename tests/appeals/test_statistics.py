"""The statistics the public and the committee can trust: rates with their Wilson intervals,
ranking only with enough ratings, handling time in working days over the holidays, return and
reopen rates, dissatisfaction by cause, per district, on the page, in Excel and in the API."""

import importlib
import io
import math
from datetime import datetime, timedelta

import pytest
import time_machine
from django.test import Client
from openpyxl import load_workbook

from shequ.appeals.models import Appeal, AppealEvent, AppealRating
from shequ.appeals.selectors import rates
from shequ.appeals.services.handling import appeal_close, appeal_rate, appeal_sign
from shequ.appeals.services.intake import appeal_submit
from shequ.casework.workdays import working_days_between
from shequ.people.models import User
from tests.appeals.conftest import BEFORE_NATIONAL_DAY, SHANGHAI, category, street_light
from tests.factories import NIJIAQIAO

pytestmark = pytest.mark.django_db

OCTOBER = (datetime(2026, 10, 1, tzinfo=SHANGHAI), datetime(2026, 11, 1, tzinfo=SHANGHAI))
# 1–7 October off, 8–9 worked, 10 October a Saturday worked (调休), 12 October a Monday.
CLOSED_ON = [
    datetime(2026, 10, 9, 10, tzinfo=SHANGHAI),
    datetime(2026, 10, 10, 10, tzinfo=SHANGHAI),
    *[datetime(2026, 10, 12, 10, tzinfo=SHANGHAI)] * 9,
]


def wilson_by_hand(part: int, whole: int) -> tuple[float, float]:
    z = 1.959963984540054
    p = part / whole
    centre = (p + z * z / (2 * whole)) / (1 + z * z / whole)
    half = z * math.sqrt(p * (1 - p) / whole + z * z / (4 * whole * whole)) / (1 + z * z / whole)
    return round(100 * (centre - half), 1), round(100 * (centre + half), 1)


def handled(resident: User, worker: User, at: datetime, appeal: Appeal | None = None) -> Appeal:
    appeal = appeal or street_light(resident)
    with time_machine.travel(at, tick=False):
        appeal_sign(actor=worker, appeal_id=appeal.pk)
        appeal_close(actor=worker, appeal_id=appeal.pk, reply="已修复")
    return appeal


@pytest.fixture
def october(resident: User, worker: User, street: User) -> list[Appeal]:
    """Eleven street lights handled by 倪家桥 over the holidays, nine rated happy, two not;
    one noise request handled and rated by 玉林街道 (too few ratings to rank)."""
    with time_machine.travel(BEFORE_NATIONAL_DAY, tick=False):
        lights = [street_light(resident) for _ in CLOSED_ON]
        noise = appeal_submit(
            actor=resident,
            category_id=category("zaosheng").pk,
            description="夜里广场舞音响太吵",
            community_code=NIJIAQIAO,
        )
    for appeal, at in zip(lights, CLOSED_ON, strict=True):
        handled(resident, worker, at, appeal)
    handled(resident, street, CLOSED_ON[-1], noise)
    with time_machine.travel(datetime(2026, 10, 20, 9, tzinfo=SHANGHAI), tick=False):
        for appeal in lights[:9]:
            appeal_rate(actor=resident, appeal_id=appeal.pk, level="satisfied", fixed=True)
        appeal_rate(
            actor=resident,
            appeal_id=lights[9].pk,
            level="dissatisfied",
            fixed=False,
            comment="又坏了",
            cause="recurring",
        )
        appeal_rate(
            actor=resident, appeal_id=lights[10].pk, level="fairly", fixed=False, comment="没修好"
        )
        appeal_rate(actor=resident, appeal_id=noise.pk, level="fairly", fixed=True)
    return lights


def test_units_are_ranked_only_with_enough_ratings_and_show_their_intervals(
    october: list[Appeal],
) -> None:
    rows = {r.name: r for r in rates.unit_rates(since=OCTOBER[0], until=OCTOBER[1])}
    community, street_office = rows["倪家桥社区居委会"], rows["玉林街道办事处"]
    assert (community.closed, community.rated, community.satisfied) == (11, 11, 10)
    assert community.rank == 1
    assert street_office.rated == 1
    assert street_office.rank is None  # one rating says little
    band = community.interval("satisfaction")
    assert band is not None
    assert (band.low, band.high) == wilson_by_hand(10, 11)
    assert street_office.interval("satisfaction") == rates.Interval(*wilson_by_hand(1, 1))
    # Two unhappy ratings reopened two of eleven handled requests.
    assert community.reopened == 2
    assert community.reopen_rate == round(100 * 2 / 11, 1)
    # Unhappy by cause: one said it keeps coming back, one gave no reason.
    assert community.causes == {"recurring": 1, "": 1}
    assert community.cause_rows == [("问题反复出现", 1), ("未说明", 1)]
    assert AppealRating.objects.get(appeal=october[10]).cause == ""


def test_handling_time_counts_working_days_over_the_holidays(october: list[Appeal]) -> None:
    received = BEFORE_NATIONAL_DAY.date()
    by_hand = sorted(working_days_between(received, at.date()) for at in CLOSED_ON)
    assert by_hand[:2] == [2, 3]  # 8–9 October, then the make-up Saturday
    (community,) = (
        r
        for r in rates.unit_rates(since=OCTOBER[0], until=OCTOBER[1])
        if r.name == "倪家桥社区居委会"
    )
    assert community.days_mean == round(sum(by_hand) / len(by_hand), 1)
    assert community.days_p90 == by_hand[math.ceil(0.9 * len(by_hand)) - 1]


def test_district_rows_sum_every_unit_of_their_communities(october: list[Appeal]) -> None:
    (wuhou,) = rates.district_rates(since=OCTOBER[0], until=OCTOBER[1])
    assert wuhou.name == "武侯区"
    units = rates.unit_rates(since=OCTOBER[0], until=OCTOBER[1])
    assert wuhou.closed == sum(u.closed for u in units) == 12
    assert wuhou.rated == 12
    assert wuhou.satisfied == 11
    assert wuhou.causes == {"recurring": 1, "": 1}


def test_the_public_page_the_bulletin_and_the_api_show_the_same_figures(
    october: list[Appeal], client: Client
) -> None:
    page = client.get("/appeals/rates/?month=2026-10")
    assert page.status_code == 200
    html = page.content.decode()
    assert "倪家桥社区居委会" in html
    assert "评价太少" in html  # 玉林街道 is listed but not ranked
    low, high = wilson_by_hand(10, 11)
    assert f"{low}–{high}" in html
    assert "问题反复出现 1" in html

    sheet = client.get("/appeals/rates/?month=2026-10&format=xlsx")
    assert sheet.status_code == 200
    book = load_workbook(io.BytesIO(sheet.content))
    assert book.sheetnames == ["承办单位", "区（市）县", "不满意原因"]
    units = list(book["承办单位"].iter_rows(min_row=2, values_only=True))
    assert units[0][:3] == (1, "倪家桥社区居委会", 2)  # the two re-dispatches after reopening
    assert units[0][11] == 11  # rated
    assert ("倪家桥社区居委会", "问题反复出现", 1) in list(
        book["不满意原因"].iter_rows(min_row=2, values_only=True)
    )

    api = client.get("/api/v1/appeals/statistics?start=2026-10-01&end=2026-10-31")
    assert api.status_code == 200
    body = api.json()
    assert body["period"] == "2026-10-01 — 2026-10-31"
    first = body["units"][0]
    assert (first["name"], first["rank"], first["rated"]) == ("倪家桥社区居委会", 1, 11)
    assert first["intervals"]["satisfaction"] == {"low": low, "high": high}
    assert body["districts"][0]["code"] == "510107000000"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("month=2026-13", "请按 YYYY-MM 填写月份。"),
        ("start=2026-10-05&end=2026-10-01", "最后一天早于第一天。"),
        ("start=2026-10-05", "请同时填写第一天和最后一天。"),
        ("start=2020-01-01&end=2026-10-01", "最多选择三年。"),
    ],
)
def test_a_bad_period_is_refused_in_chinese(client: Client, query: str, message: str) -> None:
    page = client.get(f"/appeals/rates/?{query}")
    assert page.status_code == 400
    assert message in page.content.decode()
    api = client.get(f"/api/v1/appeals/statistics?{query}")
    assert api.status_code == 400
    assert api.json()["code"] == "bad_period"
    assert message in api.json()["title"]


def test_a_rating_with_a_reason_not_on_the_list_changes_nothing(
    resident: User, worker: User, client: Client
) -> None:
    appeal = handled(resident, worker, BEFORE_NATIONAL_DAY + timedelta(days=1))
    client.force_login(resident)
    response = client.post(
        f"/appeals/{appeal.pk}/rate/",
        {"level": "dissatisfied", "fixed": "0", "comment": "没修好", "cause": "weather"},
    )
    assert response.status_code == 400
    assert "请从列表中选择原因。" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.CLOSED
    assert not AppealRating.objects.filter(appeal=appeal).exists()
    client.post(
        f"/appeals/{appeal.pk}/rate/",
        {"level": "dissatisfied", "fixed": "0", "comment": "拖了很久", "cause": "duration"},
    )
    assert AppealRating.objects.get(appeal=appeal).cause == "duration"


def test_a_unit_that_answers_after_the_deadline_has_not_responded(
    resident: User, worker: User
) -> None:
    with time_machine.travel(BEFORE_NATIONAL_DAY, tick=False):
        on_time, late = street_light(resident), street_light(resident)
    handled(resident, worker, BEFORE_NATIONAL_DAY + timedelta(hours=1), on_time)
    # 7 working days after 30 September end on 16 October (the holidays in between).
    late.refresh_from_db()
    handled(resident, worker, late.deadline_at + timedelta(minutes=1), late)
    (row,) = (
        r
        for r in rates.unit_rates(since=OCTOBER[0] - timedelta(days=1), until=OCTOBER[1])
        if r.name == "倪家桥社区居委会"
    )
    assert (row.dispatched, row.responded, row.response_rate) == (2, 1, 50.0)
    assert (row.closed, row.on_time) == (2, 1)


def test_events_recorded_before_the_stored_figures_are_filled_in_alike(
    october: list[Appeal],
) -> None:
    """Migration 0012 fills ``responded`` and ``working_days`` of older events as the
    statistics counted them; the month's figures do not move."""
    from django.apps import apps

    backfill = importlib.import_module(
        "shequ.appeals.migrations.0012_event_responded_working_days"
    ).backfill
    before = rates.unit_rates(since=OCTOBER[0], until=OCTOBER[1])
    stored = list(AppealEvent.objects.order_by("pk").values_list("responded", "working_days"))
    assert {days for _, days in stored} - {None} == {2, 3, 4}
    AppealEvent.objects.update(responded=None, working_days=None)
    assert rates.unit_rates(since=OCTOBER[0], until=OCTOBER[1]) != before
    backfill(apps, None)
    assert (
        list(AppealEvent.objects.order_by("pk").values_list("responded", "working_days")) == stored
    )
    assert rates.unit_rates(since=OCTOBER[0], until=OCTOBER[1]) == before
