"""Demo data: a planner (社区规划师) of 玉林街道 assigned to 倪家桥社区, an expert of the think
tank, a consultation open for suggestions with two from residents. Idempotent.

Log in as ``planner`` or ``expert`` with the demo password."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import transaction

from shequ.core.scopes import CITY_CODE, Role
from shequ.people.demo import DEMO_PASSWORD, NIJIAQIAO, YULIN
from shequ.people.models import Resident, StaffRole, User
from shequ.planning.models import Assignment, Attendance, Consultation, Suggestion

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEMO_TITLE = "玉林北路街巷微更新规划议事会"


def _account(username: str, name: str, role: str, division: str) -> User:
    user, created = User.objects.get_or_create(username=username, defaults={"first_name": name})
    if created:
        user.set_password(DEMO_PASSWORD)  # the demo log-ins' shared password
        user.save()
    StaffRole.objects.get_or_create(user=user, role=role, division_id=division)
    return user


@transaction.atomic
def seed_planning() -> int:
    """Returns how many consultations were added (0 on a second run)."""
    planner = _account("planner", "张规划", Role.PLANNER, YULIN)
    _account("expert", "李智库", Role.EXPERT, CITY_CODE)
    if Consultation.objects.filter(title=DEMO_TITLE).exists():
        return 0
    Assignment.objects.get_or_create(
        planner=planner,
        community_id=NIJIAQIAO,
        defaults={
            "term_start": date(2026, 1, 1),
            "term_end": date(2027, 12, 31),
            "hours_per_month": 16,
            "contract_party": "玉林街道办事处",
        },
    )
    consultation = Consultation.objects.create(
        community_id=NIJIAQIAO,
        planner=planner,
        title=DEMO_TITLE,
        topic="玉林北路人行道狭窄、夜间照明不足，请居民一起商量改造方案。",
        place="倪家桥社区党群服务中心二楼",
        starts_at=datetime(2026, 12, 12, 14, 30, tzinfo=SHANGHAI),
        status=Consultation.Status.OPEN,
    )
    texts = ["人行道上增加几盏路灯，晚上回家太黑。", "街角空地可以做成口袋公园，放几张长椅。"]
    residents = (
        Resident.objects.filter(community_id=NIJIAQIAO, user__isnull=False)
        .select_related("user")
        .order_by("id")
    )
    for resident, text in zip(residents[:2], texts, strict=False):
        if resident.user is None:
            continue
        Attendance.objects.get_or_create(
            consultation=consultation,
            user=resident.user,
            defaults={"name": resident.real_name, "how": Attendance.How.SELF},
        )
        Suggestion.objects.create(consultation=consultation, author=resident.user, text=text)
    return 1
