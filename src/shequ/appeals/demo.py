"""Demo data of requests: categories (with the catalogue services that open them), units
and a first dispatch catalogue. Idempotent; tests use it as reference data too."""

from django.db import transaction

from shequ.appeals.models import CatalogueVersion, Category, DeadlineClass, Nature, RoutingRow, Unit
from shequ.people.models import Department
from shequ.places.models import Division

# code, name, nature, deadline class, catalogue service code, where to go (out of scope)
CATEGORIES: list[tuple[str, str, str, str, str, str]] = [
    ("ludeng", "路灯故障", Nature.COMPLAINT, DeadlineClass.GENERAL, "", ""),
    ("zaosheng", "噪声扰民", Nature.COMPLAINT, DeadlineClass.GENERAL, "huanping-tousu", ""),
    ("xiaofang", "消防通道堵塞", Nature.COMPLAINT, DeadlineClass.URGENT, "", ""),
    ("shirong", "市容环境", Nature.COMPLAINT, DeadlineClass.GENERAL, "chengguan-tousu", ""),
    ("gongshui", "供水故障", Nature.HELP, DeadlineClass.UTILITIES, "shuiwu-baoxiu", ""),
    ("wuye", "物业服务", Nature.COMPLAINT, DeadlineClass.COMPLEX, "wuye-tousu", ""),
    ("dianti", "电梯故障", Nature.HELP, DeadlineClass.URGENT, "dianti-tousu", ""),
    ("zixun", "政策咨询", Nature.CONSULTATION, DeadlineClass.GENERAL, "wangge-fankui", ""),
    ("jianyi", "意见建议", Nature.SUGGESTION, DeadlineClass.COMPLEX, "", ""),
    ("biaoyang", "表扬", Nature.PRAISE, DeadlineClass.GENERAL, "", ""),
    (
        "jinji",
        "紧急情况（治安、火警、急救）",
        Nature.HELP,
        DeadlineClass.URGENT,
        "",
        "请立即拨打 110（治安）、119（火警）或 120（急救）。",
    ),
    (
        "susong",
        "诉讼、仲裁案件",
        Nature.COMPLAINT,
        DeadlineClass.COMPLEX,
        "",
        "已进入或应通过诉讼、仲裁解决的事项，请向人民法院或仲裁机构提出。",
    ),
    (
        "xinfang",
        "信访事项",
        Nature.COMPLAINT,
        DeadlineClass.COMPLEX,
        "",
        "信访事项请通过成都市信访局网上信访平台或信访接待场所依法提出。",
    ),
]

# English names of the demo categories (shown on English pages).
CATEGORY_NAMES_EN: dict[str, str] = {
    "ludeng": "Street light out",
    "zaosheng": "Noise nuisance",
    "xiaofang": "Blocked fire lane",
    "shirong": "Street cleanliness and appearance",
    "gongshui": "Water supply fault",
    "wuye": "Property management",
    "dianti": "Lift breakdown",
    "zixun": "Policy enquiry",
    "jianyi": "Opinions and suggestions",
    "biaoyang": "Praise",
    "jinji": "Emergency (police, fire, ambulance)",
    "susong": "Lawsuits and arbitration",
    "xinfang": "Petitions (xinfang)",
}

NIJIAQIAO = "510107005004"
YULIN = "510107005000"


@transaction.atomic
def seed_appeals() -> int:
    """Categories, a 兜底 unit per district, a street, a community and department units, and
    catalogue v1. Returns the number of live catalogue rows."""
    for position, (code, name, nature, deadline, service, where) in enumerate(CATEGORIES):
        Category.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": CATEGORY_NAMES_EN.get(code, ""),
                "nature": nature,
                "deadline_class": deadline,
                "service_code": service,
                "out_of_scope": bool(where),
                "redirect_text": where,
                "position": position * 10,
            },
        )
    for district in Division.objects.filter(level=Division.Level.DISTRICT):
        Unit.objects.get_or_create(
            name=f"{district.name}人民政府（兜底）",
            defaults={"kind": Unit.Kind.DISTRICT, "division": district},
        )
    units: dict[str, Unit] = {}
    for code, name, kind in (
        (YULIN, "玉林街道办事处", Unit.Kind.STREET),
        (NIJIAQIAO, "倪家桥社区居委会", Unit.Kind.COMMUNITY),
    ):
        if Division.objects.filter(pk=code).exists():
            units[code], _ = Unit.objects.get_or_create(
                name=name, defaults={"kind": kind, "division_id": code}
            )
    for dept_code in ("shuiwu", "zhujian", "chengguan"):
        department = Department.objects.filter(code=dept_code).first()
        if department is not None:
            units[dept_code], _ = Unit.objects.get_or_create(
                name=department.name,
                defaults={"kind": Unit.Kind.DEPARTMENT, "department": department},
            )
    if CatalogueVersion.objects.exists():
        return RoutingRow.objects.filter(retired_in__isnull=True).count()
    version = CatalogueVersion.objects.create(number=1, note="演示目录")
    rows: list[RoutingRow] = []
    categories = {c.code: c for c in Category.objects.all()}
    if NIJIAQIAO in units:
        rows.append(
            RoutingRow(
                category=categories["ludeng"],
                place_id=NIJIAQIAO,
                unit=units[NIJIAQIAO],
                added_in=version.number,
            )
        )
    if YULIN in units:
        for code in ("zaosheng", "xiaofang", "shirong"):
            rows.append(
                RoutingRow(
                    category=categories[code],
                    place_id=YULIN,
                    unit=units[YULIN],
                    added_in=version.number,
                )
            )
    if "shuiwu" in units:
        for district in Division.objects.filter(level=Division.Level.DISTRICT):
            rows.append(
                RoutingRow(
                    category=categories["gongshui"],
                    place=district,
                    unit=units["shuiwu"],
                    added_in=version.number,
                )
            )
    RoutingRow.objects.bulk_create(rows)
    return len(rows)
