"""Demo volunteering: a team of 倪家桥社区 set up by the demo worker and a Saturday-morning
activity recruiting volunteers. The demo resident is left unregistered, to try registering
from the catalogue's 志愿者注册. Idempotent."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from shequ.people.models import User
from shequ.volunteers.models import Activity, Team
from shequ.volunteers.services import activities, teams

COMMUNITY = "510107005004"  # 倪家桥社区
TEAM_NAME = "倪家桥社区志愿服务队"


@transaction.atomic
def seed_volunteers() -> int:
    """Create the demo team and activity when missing; returns how many things were made."""
    worker = User.objects.filter(username="worker").first()
    if worker is None or Team.objects.filter(name=TEAM_NAME).exists():
        return 0
    team = teams.team_create(
        actor=worker,
        name=TEAM_NAME,
        kind=Team.Kind.COMMUNITY,
        division_code=COMMUNITY,
        description="助老探访、垃圾分类宣传、社区环境整治",
    )
    today = timezone.localdate()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    zone = timezone.get_current_timezone()
    start = datetime.combine(saturday, time(9, 0), tzinfo=zone)
    made = activities.activity_create(
        actor=worker,
        team_id=team.pk,
        data=activities.ActivityIn(
            title="周六上午：敬老院探访",
            description="陪伴老人聊天、读报，协助午餐。请穿志愿者马甲。",
            field="elderly_disabled",
            place="倪家桥社区党群服务中心（集合）",
            latitude=Decimal("30.623800"),
            longitude=Decimal("104.074500"),
            signup_deadline=start - timedelta(hours=15),
            slots=[activities.SlotIn(start, start + timedelta(hours=3), 12)],
            insured=True,
        ),
    )
    activities.activity_publish(actor=worker, activity_id=made.pk)
    return 1 + Activity.objects.filter(pk=made.pk).count()
