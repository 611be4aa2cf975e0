"""The policy library's starting content (idempotent, keyed by title).

Public Chengdu documents are entered with the facts their public sources give (title,
issuing body, number and dates where the source states them) and the address of the source;
a fact the source does not give is left empty, never invented. The 社区保障资金 documents are
demonstration records, marked ``is_demo`` and shown with a "demo" badge, so the library shows
a full 1+6+N chain with fund rules, an amendment and a repeal.
"""

# Titles, summaries and sources are Chinese text kept whole on one line each, as published.
# ruff: noqa: E501

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from shequ.catalogue.models import Service
from shequ.core.scopes import CITY_CODE
from shequ.funds.models import SecurityFormula
from shequ.policies.models import Kind, Level, Policy, Relation, Structure
from shequ.policies.services import policy_index
from shequ.projects.models import Project

CORE = "关于深入推进城乡社区发展治理建设高品质和谐宜居生活社区的意见"
GUARANTEE = "成都市城乡社区保障资金管理办法（示例）"
GUARANTEE_OLD = "成都市社区公共服务和社会管理专项资金管理办法（示例，已废止）"

PUBLIC: list[dict[str, Any]] = [
    {
        "title": CORE,
        "issuer": "中共成都市委 成都市人民政府",
        "kind": Kind.OPINION,
        "structure": Structure.CORE,
        "issued_on": date(2017, 9, 1),
        "summary": "成都城乡社区发展治理的纲领性文件（“30条”），“1+6+N”政策体系中的“1”。",
        "interpretation": (
            "这份文件确定了全市社区发展治理的总体方向：由党组织统一领导，发展和治理一起推进，"
            "让社区更好地服务居民。后面的配套文件和实施细则都依据它制定。"
        ),
        "provenance": "标题与在政策体系中的位置据任务说明（成都社区发展治理报告）；文号和确切日期未核实，日期记为发布当月。",
        "source_url": "http://paper.people.com.cn/mszk/html/2019-04/08/content_1919687.htm",
    },
    {
        "title": "成都市社区发展治理促进条例",
        "issuer": "成都市人民代表大会常务委员会",
        "kind": Kind.REGULATION,
        "structure": Structure.OTHER,
        "issued_on": date(2020, 10, 9),
        "effective_on": date(2020, 12, 1),
        "summary": (
            "2020年8月28日成都市第十七届人大常委会第二十次会议通过，2020年9月29日四川省"
            "第十三届人大常委会第二十二次会议批准，自2020年12月1日起施行。共七章：总则、"
            "社区发展、社区治理、社区服务、保障与监督、法律责任、附则。"
        ),
        "interpretation": "社区发展治理有了地方性法规：各方在社区里的职责、居民参与的方式和保障都写进了法规。",
        "provenance": "成都市人民代表大会常务委员会公告（2020年10月9日），据维基文库收录文本。",
        "source_url": "https://zh.wikisource.org/zh-hant/%E6%88%90%E9%83%BD%E5%B8%82%E7%A4%BE%E5%8C%BA%E5%8F%91%E5%B1%95%E6%B2%BB%E7%90%86%E4%BF%83%E8%BF%9B%E6%9D%A1%E4%BE%8B",
    },
    {
        "title": "成都市市级财政专项资金管理暂行办法",
        "doc_number": "成府发〔2014〕7号",
        "issuer": "成都市人民政府",
        "kind": Kind.MEASURES,
        "structure": Structure.OTHER,
        "issued_on": date(2014, 2, 10),
        "summary": "规定市级财政专项资金的设立、调整、撤销、分配、使用和监督管理。",
        "interpretation": "市级财政安排、有专门用途的资金怎么设、怎么分、怎么用、怎么管，都按这个办法。",
        "provenance": "《成都市人民政府关于印发〈成都市市级财政专项资金管理暂行办法〉的通知》，成府发〔2014〕7号，2014年2月10日。",
        "source_url": "http://per-better.com/rule/46420.html",
    },
    {
        "title": "成都市城市社区嵌入式服务设施建设工程实施方案",
        "issuer": "成都市发展和改革委员会 中共成都市委社会工作部 成都市规划和自然资源局 成都市住房和城乡建设局",
        "kind": Kind.PLAN,
        "structure": Structure.OTHER,
        "issued_on": date(2024, 8, 7),
        "summary": "到2025年底前，全市首批100个嵌入式服务设施建设示范社区全面建成。",
        "interpretation": "在社区里就近配齐养老、托育、助餐等服务设施，先建100个示范社区，再逐步推开。",
        "provenance": "四部门联合印发的通知正文；文号未见于来源，日期为来源页面的发布日期。",
        "source_url": "https://lr5.cn/2024/08/07/47893.html",
    },
]

DEMO: list[dict[str, Any]] = [
    {
        "title": GUARANTEE_OLD,
        "issuer": "成都市民政局（示例）",
        "kind": Kind.MEASURES,
        "structure": Structure.SUPPORTING,
        "issued_on": date(2012, 3, 1),
        "summary": "社区保障资金的早期管理办法（演示数据），已被新办法废止。",
        "provenance": "演示数据，不是真实文件。",
    },
    {
        "title": GUARANTEE,
        "issuer": "成都市城乡社区发展治理委员会（示例）",
        "kind": Kind.MEASURES,
        "structure": Structure.SUPPORTING,
        "issued_on": date(2018, 1, 15),
        "effective_on": date(2018, 3, 1),
        "summary": "社区保障资金（城乡社区公共服务和社会管理专项资金）的分配、使用、公示和监督（演示数据）。",
        "interpretation": (
            "每个社区每年都有一笔社区保障资金，按基数加户数、人口计算。用哪件事由居民议事"
            "决定，账目要公开。具体公式见下面的资金规则。"
        ),
        "provenance": "演示数据，不是真实文件。",
    },
    {
        "title": "社区保障资金使用实施细则（示例）",
        "issuer": "成都市城乡社区发展治理委员会（示例）",
        "kind": Kind.RULES,
        "structure": Structure.IMPLEMENTATION,
        "issued_on": date(2019, 6, 1),
        "expires_on": date(2021, 12, 31),
        "summary": "社区保障资金项目申报和公示的细则，有效期至2021年底（演示数据）。",
        "provenance": "演示数据，不是真实文件。",
    },
    {
        "title": "社区保障资金分配公式补充规定（示例）",
        "issuer": "成都市城乡社区发展治理委员会（示例）",
        "kind": Kind.RULES,
        "structure": Structure.IMPLEMENTATION,
        "issued_on": date(2022, 1, 10),
        "summary": "调整社区保障资金按户、按人计算的部分（演示数据）。",
        "provenance": "演示数据，不是真实文件。",
    },
]


def _ensure(row: dict[str, Any], *, is_demo: bool, parent: Policy | None) -> tuple[Policy, bool]:
    existing = Policy.objects.filter(title=row["title"]).first()
    if existing is not None:
        return existing, False
    fields = {"effective_on": row["issued_on"], "doc_number": "", **row}
    policy = Policy.objects.create(
        **fields,
        level=Level.CITY,
        division_id=CITY_CODE,
        parent=parent,
        is_demo=is_demo,
        is_published=True,
        published_at=timezone.now(),
    )
    policy_index(policy)
    return policy, True


@transaction.atomic
def seed_policies() -> int:
    """Create the library's starting policies and their links; returns how many were new."""
    created = 0
    core = None
    for row in PUBLIC:
        policy, new = _ensure(row, is_demo=False, parent=None)
        created += new
        if row["title"] == CORE:
            core = policy
    made: dict[str, Policy] = {}
    for row in DEMO:
        parent = core if row["structure"] == Structure.SUPPORTING else made.get(GUARANTEE)
        policy, new = _ensure(row, is_demo=True, parent=parent)
        made[row["title"]] = policy
        created += new
        if new and row["title"] == GUARANTEE:
            policy.services.set(Service.objects.filter(is_published=True, community_level=True)[:2])
            policy.projects.set(Project.objects.order_by("code")[:2])
            policy.fund_formulas.set(SecurityFormula.objects.order_by("-year", "district_id")[:3])
    new_rules = made["社区保障资金分配公式补充规定（示例）"]
    Relation.objects.get_or_create(
        source=made[GUARANTEE],
        target=made[GUARANTEE_OLD],
        defaults={"kind": Relation.Kind.REPEALS, "note": "新办法施行之日起废止"},
    )
    Relation.objects.get_or_create(
        source=new_rules,
        target=made[GUARANTEE],
        defaults={"kind": Relation.Kind.AMENDS, "note": "修改第三章分配公式"},
    )
    if not new_rules.fund_formulas.exists():
        new_rules.fund_formulas.set(SecurityFormula.objects.order_by("-year", "district_id")[:3])
    return created
