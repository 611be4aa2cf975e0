from datetime import date

import pytest
from django.core.management import call_command
from django.utils import translation

from shequ.people.models import User
from shequ.projects import selectors
from shequ.projects.demo import REPORTED_2018
from shequ.projects.models import Project, ProjectType, Status
from shequ.projects.services import lifecycle
from tests.factories import SHUIJINGFANG
from tests.projects.conftest import new_project


def _advance(project: Project, officer: User, started: date) -> None:
    lifecycle.project_transition(
        actor=officer, code=project.code, target=Status.APPROVED, on=date(2018, 1, 20)
    )
    lifecycle.project_transition(
        actor=officer, code=project.code, target=Status.UNDER_CONSTRUCTION, on=started
    )


def test_as_of_counts_come_from_the_history_not_the_current_state(
    district_officer: User, committee: User
) -> None:
    early = new_project(district_officer, "A-1")
    late = new_project(district_officer, "A-2")
    _advance(early, district_officer, date(2018, 3, 1))
    _advance(late, district_officer, date(2018, 9, 1))
    lifecycle.project_transition(
        actor=district_officer, code=early.code, target=Status.COMPLETED, on=date(2018, 10, 1)
    )
    july = selectors.as_of_report(committee, as_of=date(2018, 7, 31), year=2018)
    shanty = next(r for r in july.rows if r.project_type.code == "shanty-town")
    assert shanty.implemented == 1
    assert shanty.by_status[Status.UNDER_CONSTRUCTION] == 1
    assert shanty.by_status[Status.APPROVED] == 1
    december = selectors.as_of_report(committee, as_of=date(2018, 12, 31), year=2018)
    shanty = next(r for r in december.rows if r.project_type.code == "shanty-town")
    assert shanty.implemented == 2
    assert shanty.by_status[Status.COMPLETED] == 1


def test_as_of_statistics_are_scoped(
    district_officer: User, jinjiang_officer: User, committee: User
) -> None:
    mine = new_project(district_officer, "S-1")
    _advance(mine, district_officer, date(2018, 3, 1))
    theirs = new_project(jinjiang_officer, "S-2", community=SHUIJINGFANG)
    _advance(theirs, jinjiang_officer, date(2018, 3, 1))
    assert selectors.as_of_report(district_officer, as_of=date(2018, 7, 31), year=2018).total == 1
    assert selectors.as_of_report(committee, as_of=date(2018, 7, 31), year=2018).total == 2


def test_console_list_is_scoped_and_the_public_list_is_not(
    district_officer: User, jinjiang_officer: User
) -> None:
    new_project(district_officer, "L-1")
    new_project(jinjiang_officer, "L-2", community=SHUIJINGFANG)
    flt = selectors.ProjectFilter()
    assert [p.code for p in selectors.project_list_for(jinjiang_officer, flt)] == ["L-2"]
    assert {p.code for p in selectors.project_public_list(flt)} == {"L-1", "L-2"}
    wuhou = selectors.ProjectFilter(district="510107000000")
    assert [p.code for p in selectors.project_public_list(wuhou)] == ["L-1"]


@pytest.mark.django_db
def test_the_demo_seed_reproduces_the_committees_sentence(chengdu: None, committee: User) -> None:
    call_command("seed_projects", stdout=open("/dev/null", "w"))  # noqa: SIM115
    count = Project.objects.count()
    call_command("seed_projects", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Project.objects.count() == count  # idempotent
    assert Project.objects.values("district_id").distinct().count() == 20
    assert set(Project.objects.values_list("year", flat=True).distinct()) == {2018, 2019, 2020}
    report = selectors.as_of_report(committee, as_of=date(2018, 7, 31), year=2018)
    by_code = {r.project_type.code: r.implemented for r in report.rows}
    assert by_code == dict(REPORTED_2018.items())
    with translation.override("zh-hans"):
        sentence = report.sentence()
    assert sentence.startswith(
        "截至2018年7月31日，2018年已实施棚户区改造项目37个、老旧院落整治58个"
    )
    assert "背街小巷整治1003条" in sentence
    assert "“雪亮工程”视频监控项目757个" in sentence
    assert ProjectType.objects.filter(code="activity-rooms").exists()


def test_as_of_investment_adds_up_the_planned_money_of_the_projects_under_way(
    district_officer: User, committee: User
) -> None:
    started = new_project(district_officer, "I-1")
    _advance(started, district_officer, date(2018, 3, 1))
    lifecycle.project_transition(
        actor=district_officer, code=started.code, target=Status.COMPLETED, on=date(2018, 5, 1)
    )
    lifecycle.project_transition(
        actor=district_officer,
        code=started.code,
        target=Status.UNDER_CONSTRUCTION,
        on=date(2018, 6, 1),
        note="验收不合格",
    )
    _advance(new_project(district_officer, "I-2"), district_officer, date(2018, 9, 1))
    new_project(district_officer, "I-3")
    report = selectors.as_of_report(committee, as_of=date(2018, 7, 31), year=2018)
    shanty = next(r for r in report.rows if r.project_type.code == "shanty-town")
    # Only I-1 was under way by 31 July, counted once despite its rework loop.
    assert (shanty.implemented, shanty.investment) == (1, started.planned_total)
    assert report.total_investment == started.planned_total
    assert selectors.implemented_investment(committee, as_of=date(2018, 12, 31), year=2018) == {
        started.project_type_id: 2 * started.planned_total
    }


def test_status_on_a_date_over_all_years_counts_each_project_once(
    district_officer: User, jinjiang_officer: User
) -> None:
    shanty = ProjectType.objects.get(code="shanty-town").pk
    alley = ProjectType.objects.get(code="back-alley").pk
    first = new_project(district_officer, "Y-2018", year=2018, on=date(2018, 1, 10))
    _advance(first, district_officer, date(2018, 3, 1))
    lifecycle.project_transition(
        actor=district_officer, code=first.code, target=Status.COMPLETED, on=date(2018, 6, 1)
    )
    lifecycle.project_transition(  # failed acceptance: back to work
        actor=district_officer,
        code=first.code,
        target=Status.UNDER_CONSTRUCTION,
        on=date(2018, 7, 1),
        note="整改",
    )
    new_project(district_officer, "Y-2020", type_code="back-alley", year=2020, on=date(2019, 12, 1))
    new_project(jinjiang_officer, "Y-J", community=SHUIJINGFANG, year=2019, on=date(2019, 2, 1))

    def on(day: date, user: User = district_officer, **kwargs: object) -> dict:
        return selectors.status_counts(user, as_of=day, **kwargs)  # type: ignore[arg-type]

    assert on(date(2018, 1, 9)) == {}
    assert on(date(2018, 1, 10)) == {(shanty, Status.PLANNED): 1}  # the day it happened counts
    assert on(date(2018, 3, 1)) == {(shanty, Status.UNDER_CONSTRUCTION): 1}
    assert on(date(2018, 6, 30)) == {(shanty, Status.COMPLETED): 1}
    assert on(date(2018, 7, 1)) == {(shanty, Status.UNDER_CONSTRUCTION): 1}
    assert on(date(2019, 12, 31)) == {
        (shanty, Status.UNDER_CONSTRUCTION): 1,
        (alley, Status.PLANNED): 1,
    }
    assert on(date(2019, 12, 31), year=2020) == {(alley, Status.PLANNED): 1}
    assert on(date(2019, 12, 31), user=jinjiang_officer) == {(shanty, Status.PLANNED): 1}
