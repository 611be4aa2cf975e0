"""Plans and evaluation reports are edited and withdrawn by their author; a withdrawn one
leaves the public pages but stays, with its reason, in the console and the audit trail."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.people.models import User
from shequ.planning.models import Assignment, Plan, Report
from shequ.planning.services import plans, reports
from tests.factories import CITY, NIJIAQIAO, SHUIJINGFANG, login_verified, make_staff
from tests.planning.conftest import TERM
from tests.planning.test_services import _policy

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _plan(planner: User) -> Plan:
    return plans.plan_create(
        actor=planner, community_code=NIJIAQIAO, title="倪家桥社区规划", on=TERM[0]
    )


def _report(expert: User, **kwargs: object) -> Report:
    return reports.report_publish(
        actor=expert,
        title="社区发展治理政策实施评估",
        summary="摘要",
        findings="发现",
        recommendations="建议",
        policy_ids=[_policy().pk],
        **kwargs,  # type: ignore[arg-type]
    )


def test_a_plan_is_a_draft_until_its_first_version(assignment: Assignment, planner: User) -> None:
    plan = _plan(planner)
    assert plan.status == "draft"
    plans.plan_version_add(
        actor=planner,
        plan_id=plan.pk,
        upload=SimpleUploadedFile("p.pdf", PDF),
        on=TERM[0],
    )
    plan.refresh_from_db()
    assert plan.status == "published"


def test_the_author_edits_and_withdraws_a_plan(
    client: Client, assignment: Assignment, planner: User
) -> None:
    plan = _plan(planner)
    client.force_login(planner)
    url = f"/console/planning/plans/{plan.pk}/"
    response = client.post(url, {"form": "edit", "title": "倪家桥社区更新规划", "summary": "新"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.title == "倪家桥社区更新规划"
    event = AuditEvent.objects.get(verb="planning.plan_update")
    assert event.changes["title"] == ["倪家桥社区规划", "倪家桥社区更新规划"]

    # No reason: a Chinese error, nothing changed.
    response = client.post(url, {"form": "withdraw", "reason": " "})
    assert response.status_code == 400
    assert "此项为必填项" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == "draft"

    assert client.post(url, {"form": "withdraw", "reason": "规划范围调整"}).status_code == 302
    plan.refresh_from_db()
    assert plan.status == "withdrawn"
    assert plan.withdrawn_reason == "规划范围调整"
    assert AuditEvent.objects.get(verb="planning.plan_withdraw").reason == "规划范围调整"
    page = client.get(url).content.decode()
    assert 'data-testid="withdrawn"' in page
    assert "规划范围调整" in page
    assert 'data-testid="withdraw-plan"' not in page
    assert 'data-testid="add-version"' not in page
    with pytest.raises(DomainError) as error:
        plans.plan_update(actor=planner, plan_id=plan.pk, title="再改", on=TERM[0])
    assert error.value.code == "withdrawn"


def test_only_the_author_edits_a_plan_and_other_areas_get_404(
    client: Client, assignment: Assignment, planner: User, worker: User
) -> None:
    plan = _plan(planner)
    with pytest.raises(PermissionDenied):
        plans.plan_withdraw(actor=worker, plan_id=plan.pk, reason="x", on=TERM[0])
    client.force_login(worker)
    login_verified(client, worker)
    response = client.post(
        f"/console/planning/plans/{plan.pk}/", {"form": "withdraw", "reason": "x"}
    )
    assert response.status_code == 400
    assert "只有该规划的作者可以修改或撤回" in response.content.decode()
    outside = make_staff("plan-out", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    client.force_login(outside)
    login_verified(client, outside)
    response = client.post(
        f"/console/planning/plans/{plan.pk}/", {"form": "withdraw", "reason": "x"}
    )
    assert response.status_code == 404
    with pytest.raises(NotFound):
        plans.plan_withdraw(actor=outside, plan_id=plan.pk, reason="x", on=TERM[0])
    plan.refresh_from_db()
    assert plan.status == "draft"
    assert not AuditEvent.objects.filter(verb="planning.plan_withdraw").exists()


def test_the_author_edits_and_withdraws_a_report(client: Client, expert: User) -> None:
    report = _report(expert)
    policy_id = report.policies.get().pk
    client.force_login(expert)
    url = f"/console/planning/reports/{report.pk}/"
    data = {
        "form": "edit",
        "title": "政策实施评估（修订）",
        "summary": "摘要",
        "findings": "发现",
        "recommendations": "建议",
        "policies": [policy_id],
    }
    assert client.post(url, data).status_code == 302
    report.refresh_from_db()
    assert report.title == "政策实施评估（修订）"
    assert "政策实施评估（修订）" in client.get(f"/policies/{policy_id}/").content.decode()
    assert AuditEvent.objects.filter(verb="planning.report_update").count() == 1

    # Bad input: a Chinese error, nothing changed.
    response = client.post(url, {**data, "title": "坏", "policies": []})
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.title == "政策实施评估（修订）"
    response = client.post(url, {"form": "withdraw", "reason": ""})
    assert response.status_code == 400
    assert "此项为必填项" in response.content.decode()

    assert client.post(url, {"form": "withdraw", "reason": "数据有误"}).status_code == 302
    report.refresh_from_db()
    assert report.status == "withdrawn"
    assert "政策实施评估（修订）" not in client.get(f"/policies/{policy_id}/").content.decode()
    assert client.get(f"/planning/reports/{report.pk}/").status_code == 404
    assert client.get("/api/v1/planning/reports").json()["count"] == 0
    assert client.get(f"/api/v1/planning/reports/{report.pk}").status_code == 404
    page = client.get(url).content.decode()
    assert "数据有误" in page
    assert 'data-testid="withdraw-report"' not in page
    assert AuditEvent.objects.get(verb="planning.report_withdraw").reason == "数据有误"


def test_another_expert_cannot_withdraw_a_report(client: Client, expert: User) -> None:
    report = _report(expert)
    other = make_staff("plan-expert-2", Role.EXPERT, CITY)
    with pytest.raises(PermissionDenied) as error:
        reports.report_withdraw(actor=other, report_id=report.pk, reason="x")
    assert error.value.code == "not_the_author"
    client.force_login(other)
    page = client.get(f"/console/planning/reports/{report.pk}/").content.decode()
    assert 'data-testid="withdraw-report"' not in page
    response = client.post(
        f"/console/planning/reports/{report.pk}/", {"form": "withdraw", "reason": "x"}
    )
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.status == "published"


def test_a_draft_report_stays_off_public_pages_until_published(
    client: Client, expert: User
) -> None:
    report = _report(expert, draft=True)
    policy_id = report.policies.get().pk
    assert AuditEvent.objects.filter(verb="planning.report_draft").count() == 1
    assert "社区发展治理政策实施评估" not in client.get(f"/policies/{policy_id}/").content.decode()
    assert client.get(f"/planning/reports/{report.pk}/").status_code == 404
    other = make_staff("plan-expert-3", Role.EXPERT, CITY)
    client.force_login(other)
    assert client.get(f"/console/planning/reports/{report.pk}/").status_code == 404
    client.force_login(expert)
    response = client.post(
        f"/console/planning/reports/{report.pk}/",
        {
            "form": "edit",
            "action": "publish",
            "title": report.title,
            "summary": "摘要",
            "findings": "发现",
            "recommendations": "建议",
            "policies": [policy_id],
        },
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "published"
    assert "社区发展治理政策实施评估" in client.get(f"/policies/{policy_id}/").content.decode()
