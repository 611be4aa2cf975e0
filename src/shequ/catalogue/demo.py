"""Demo catalogue: topics, the illustrative service list of ``data/services.psv``, and on
request synthetic policy texts for search benchmarks (real policies live in ``policies``).

Idempotent: services are matched by code, topics by code; a second run adds nothing.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from shequ.catalogue.models import PolicyDocument, Service, Topic
from shequ.catalogue.services import search_entry_refresh
from shequ.people.demo import ensure_departments
from shequ.places.models import Division

DATA_DIR = Path(__file__).resolve().parent / "data"

# 生老病死、衣食住行、安居乐业: the life events the portal is organised by.
LIFE_EVENTS = [
    ("birth", "生育出生"),
    ("schooling", "上学教育"),
    ("work", "就业创业"),
    ("marriage", "婚姻家庭"),
    ("housing", "安居住房"),
    ("moving", "迁居落户"),
    ("health", "看病就医"),
    ("old_age", "养老敬老"),
    ("death", "身后事"),
]
THEMES = [
    ("huji", "户籍证件"),
    ("shebao", "社会保险"),
    ("yibao", "医疗保障"),
    ("gongjijin", "住房公积金"),
    ("yiliao", "医疗卫生"),
    ("jiaoyu", "教育"),
    ("jiuye", "就业"),
    ("zhufang", "住房"),
    ("jiaofei", "生活缴费"),
    ("jiaotong", "交通出行"),
    ("hunyin", "婚姻登记"),
    ("yanglao", "养老服务"),
    ("jiuzhu", "社会救助"),
    ("canzhu", "助残"),
    ("binzang", "殡葬"),
    ("falv", "法律服务"),
    ("wenti", "文体活动"),
    ("zhiyuan", "志愿服务"),
    ("qiye", "企业和个体"),
    ("nashui", "纳税"),
    ("tuiyi", "退役军人"),
    ("anquan", "平安与环境"),
    ("nongye", "农业农村"),
    ("zhengwu", "政务服务"),
]

# English names of the life events and themes (shown on English pages).
TOPIC_NAMES_EN: dict[str, str] = {
    "birth": "Having a baby",
    "schooling": "Going to school",
    "work": "Jobs and starting a business",
    "marriage": "Marriage and family",
    "housing": "Housing",
    "moving": "Moving and residence registration",
    "health": "Seeing a doctor",
    "old_age": "Old age and elderly care",
    "death": "When someone dies",
    "huji": "Household registration and ID",
    "shebao": "Social insurance",
    "yibao": "Medical insurance",
    "gongjijin": "Housing provident fund",
    "yiliao": "Health care",
    "jiaoyu": "Education",
    "jiuye": "Employment",
    "zhufang": "Housing",
    "jiaofei": "Utility bills",
    "jiaotong": "Transport",
    "hunyin": "Marriage registration",
    "yanglao": "Elderly care services",
    "jiuzhu": "Social assistance",
    "canzhu": "Help for people with disabilities",
    "binzang": "Funerals and burials",
    "falv": "Legal services",
    "wenti": "Culture and sport",
    "zhiyuan": "Volunteering",
    "qiye": "Businesses and the self-employed",
    "nashui": "Taxes",
    "tuiyi": "Veterans",
    "anquan": "Safety and the environment",
    "nongye": "Farming and rural life",
    "zhengwu": "Government services",
}


@dataclass(frozen=True)
class ServiceRow:
    code: str
    department: str
    name: str
    kind: str
    channel: str
    events: list[str]
    themes: list[str]
    time_limit_days: int | None
    fee: Decimal
    min_level: int
    community_level: bool
    summary: str
    documents: list[str]


def service_rows() -> list[ServiceRow]:
    rows = []
    for line in (DATA_DIR / "services.psv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        c = line.split("|")
        rows.append(
            ServiceRow(
                code=c[0],
                department=c[1],
                name=c[2],
                kind=c[3],
                channel=c[4],
                events=[e for e in c[5].split(";") if e],
                themes=[t for t in c[6].split(";") if t],
                time_limit_days=int(c[7]) if c[7] else None,
                fee=Decimal(c[8] or "0").quantize(Decimal("0.01")),
                min_level=int(c[9]),
                community_level=c[10] == "1",
                summary=c[11],
                documents=[d for d in c[12].split(";") if d],
            )
        )
    return rows


@dataclass(frozen=True)
class InPersonRow:
    window: str
    address: str
    division: str
    hours: str
    phone: str


def in_person_rows() -> dict[str, InPersonRow]:
    """Each department's window, address, hours and enquiry line (``data/in_person.psv``)."""
    rows = {}
    for line in (DATA_DIR / "in_person.psv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        c = line.split("|")
        rows[c[0]] = InPersonRow(window=c[1], address=c[2], division=c[3], hours=c[4], phone=c[5])
    return rows


def in_person_fill() -> int:
    """Give every service without a window its department's in-person details; returns how
    many were filled. A service whose window a department entered keeps it."""
    rows = in_person_rows()
    divisions = {
        d.pk: d for d in Division.objects.filter(pk__in={r.division for r in rows.values()})
    }
    filled = 0
    for service in Service.objects.filter(in_person_window="").select_related("department"):
        row = rows.get(service.department.code)
        if row is None:
            continue
        service.in_person_window = row.window
        service.in_person_address = row.address
        service.in_person_division = divisions.get(row.division)
        service.in_person_hours = row.hours
        service.phone = service.phone or row.phone
        service.save(
            update_fields=[
                "in_person_window",
                "in_person_address",
                "in_person_division",
                "in_person_hours",
                "phone",
            ]
        )
        filled += 1
    return filled


def demo_apps_link() -> int:
    """Point the demo department apps' services at them (社保缴费查询 → examples/shebao), when
    the app is registered (``seed_sso``) and the service has no app yet; returns how many."""
    from shequ.sso.management.commands.seed_sso import SHEBAO_CLIENT_ID, SHEBAO_URL
    from shequ.sso.models import DepartmentApp

    app = DepartmentApp.objects.filter(client_id=SHEBAO_CLIENT_ID).first()
    if app is None:
        return 0
    return Service.objects.filter(code="shebao-jiaofei-chaxun", sso_app__isnull=True).update(
        sso_app=app, sso_entry_url=f"{SHEBAO_URL}/login"
    )


def policy_text(service: Service, n: int) -> str:
    """A synthetic policy-length text (about 2,000 characters) about one service."""
    name, department = service.name, service.department.name
    documents = "、".join(service.document_list)
    paragraphs = [
        f"第一条 为规范{name}工作，方便群众办事，根据有关法律法规，结合本市实际，制定本办法。",
        f"第二条 本办法适用于本市行政区域内{name}的申请、受理、审核和办结。{service.summary}",
        f"第三条 {department}负责{name}的组织实施，区（市）县相关部门和"
        "街道（乡镇）、社区按照职责做好相关工作。",
        "第四条 申请人应当如实提交申请材料，并对材料的真实性负责。"
        + (f"所需材料：{documents}。" if documents else ""),
        "第五条 受理机关应当自受理之日起在法定时限内办结；需要补正材料的，"
        "应当一次性告知申请人需要补正的全部内容。",
        "第六条 申请人可以通过天府市民云、天府蓉易办平台或者政务服务大厅办理，"
        "也可以到所在社区党群服务中心咨询。",
        "第七条 对办理结果有异议的，申请人可以依法申请行政复议或者提起行政诉讼。",
        f"第八条 本办法自发布之日起施行，有效期五年（第{n}号）。",
    ]
    return "\n".join(paragraphs * 2)


@transaction.atomic
def seed_catalogue(*, policies_per_service: int = 0) -> dict[str, int]:
    """Create what is missing; returns how many of each were created."""
    departments = ensure_departments()
    created = {"topics": 0, "services": 0, "policies": 0}
    for kind, items in ((Topic.Kind.LIFE_EVENT, LIFE_EVENTS), (Topic.Kind.THEME, THEMES)):
        for order, (code, name) in enumerate(items):
            name_en = TOPIC_NAMES_EN.get(code, "")
            topic, made = Topic.objects.get_or_create(
                code=code,
                defaults={"name": name, "name_en": name_en, "kind": kind, "order": order},
            )
            created["topics"] += int(made)
            if not made and not topic.name_en and name_en:
                # Seeded before topics had English names; a name staff typed is kept.
                Topic.objects.filter(pk=topic.pk).update(name_en=name_en)
    topics = {t.code: t for t in Topic.objects.all()}
    existing = set(Service.objects.values_list("code", flat=True))
    for row in service_rows():
        if row.code in existing:
            continue
        service = Service.objects.create(
            code=row.code,
            department=departments[row.department],
            name=row.name,
            summary=row.summary,
            description=row.summary,
            eligibility=row.summary.split("，")[0],
            min_level=row.min_level,
            documents="\n".join(row.documents),
            time_limit_days=row.time_limit_days,
            fee=row.fee,
            channel=row.channel,
            kind=row.kind,
            community_level=row.community_level,
        )
        service.topics.set([topics[c] for c in row.events + row.themes if c in topics])
        search_entry_refresh(service=service)
        created["services"] += 1
    in_person_fill()
    demo_apps_link()
    if policies_per_service and not PolicyDocument.objects.exists():
        for n, service in enumerate(Service.objects.select_related("department"), start=1):
            for k in range(policies_per_service):
                policy = PolicyDocument.objects.create(
                    department=service.department,
                    service=service,
                    title=f"成都市{service.name}管理办法（示例{k + 1}）",
                    body=policy_text(service, n),
                    published_on=date(2025, 1, 1),
                )
                search_entry_refresh(policy=policy)
                created["policies"] += 1
    return created
