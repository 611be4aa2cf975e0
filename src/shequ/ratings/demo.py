"""Demo ratings (好差评) of the demo resident: closed cases, one rated well, one rated poorly
with an open follow-up for the department, one still waiting to be rated. Idempotent."""

from django.db import transaction

from shequ.casework.services.applications import application_act, application_submit
from shequ.casework.services.definitions import current_form
from shequ.catalogue.models import Service
from shequ.people.models import User
from shequ.ratings.models import Level, Rating
from shequ.ratings.services import rating_submit

SERVICE = "shequ-zhengming"
PURPOSES = ["子女入学报名", "办理居住证", "单位人事材料"]


@transaction.atomic
def seed_ratings() -> int:
    """Close three demo cases of the demo resident and rate two; returns ratings made."""
    resident = User.objects.filter(username="resident").first()
    admin = User.objects.filter(username="admin").first()
    service = Service.objects.filter(code=SERVICE).first()
    if resident is None or admin is None or service is None or current_form(service) is None:
        return 0
    if Rating.objects.filter(user=resident).exists():
        return 0
    closed = []
    for purpose in PURPOSES:
        application = application_submit(
            actor=resident, service_id=service.pk, data={"purpose": purpose}, files={}
        )
        for action in ("accept", "approve", "complete"):
            application_act(actor=admin, application_id=application.pk, action=action)
        closed.append(application)
    rating_submit(
        actor=resident,
        subject="application",
        subject_id=closed[0].pk,
        level=Level.VERY_SATISFIED,
        reasons=["quick", "kind_staff"],
        comment="社区工作人员很耐心，当天就开好了。",
    )
    rating_submit(
        actor=resident,
        subject="application",
        subject_id=closed[1].pk,
        level=Level.DISSATISFIED,
        reasons=["many_trips", "unclear"],
        comment="第一次去被告知缺材料，网上的材料清单没写清楚，跑了两趟。",
    )
    # The third case stays unrated: the demo resident finds it under 政务服务好差评.
    return 2
