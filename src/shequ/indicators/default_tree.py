"""The default tree (默认指标体系), modelled on the seven scenarios of Chengdu's community
plan (服务、文化、生态、空间、产业、共治、智慧). Tree content is data in Chinese, like the
projects' taxonomy; staff edit it in the console as a new version.

Each indicator: (code, name, unit, direction, target, computed source key or "" for
entered, definition, upper bound or None, owner of an entered value).
"""

from decimal import Decimal

H, L = "higher", "lower"
PCT = Decimal(100)

Row = tuple[str, str, str, str, str, str, str, Decimal | None, str]

TREE: list[tuple[str, str, int, list[tuple[str, str, list[Row]]]]] = [
    ("service", "服务", 20, [
        ("service-access", "设施可达", [
            ("coverage_all", "15分钟生活圈日常需求覆盖率", "%", H, "80", "coverage_all",
             "步行15分钟内可达全部日常必需设施的居民占比（最新一次生活圈测算）", PCT, ""),
            ("coverage_clinic", "15分钟可达医疗机构居民占比", "%", H, "90", "coverage_clinic",
             "步行15分钟内可达医疗机构的居民占比", PCT, ""),
            ("coverage_elderly", "15分钟可达养老服务设施居民占比", "%", H, "85", "coverage_elderly",
             "步行15分钟内可达养老服务设施的居民占比", PCT, ""),
            ("coverage_school", "15分钟可达中小学居民占比", "%", H, "85", "coverage_school",
             "步行15分钟内可达中小学的居民占比", PCT, ""),
            ("elderly_beds", "每百名老人养老床位数", "张", H, "4", "",
             "社区养老机构和日间照料中心床位数 ÷ 60岁以上户籍老人数 × 100", None, "区民政局"),
        ]),
        ("service-quality", "服务质效", [
            ("applications_on_time", "办件按期办结率", "%", H, "98", "applications_on_time",
             "当年提交并已办结的申请中，在法定期限内办结的占比", PCT, ""),
            ("applications_per_1000", "每千名居民网上办件数", "件", H, "50", "applications_per_1000",
             "当年提交的申请数 ÷ 登记居民数 × 1000", None, ""),
            ("applications_escalated", "办件督办率", "%", L, "2", "applications_escalated",
             "当年提交的申请中被督办（超期升级）的占比", PCT, ""),
            ("rating_satisfaction", "好差评满意率", "%", H, "95", "rating_satisfaction",
             "当年评价中“基本满意”及以上的占比", PCT, ""),
            ("followups_answered", "差评整改回复率", "%", H, "100", "followups_answered",
             "当年差评回访中已答复的占比", PCT, ""),
            ("service_upgrade_done", "社区服务提升项目完成率", "%", H, "90", "service_upgrade_done",
             "当年“社区服务提升”行动项目中已完工或验收的占比", PCT, ""),
        ]),
    ]),
    ("culture", "文化", 12, [
        ("culture-venues", "文化阵地", [
            ("rooms_per_10k", "每万人可预约活动室数", "间", H, "3", "rooms_per_10k",
             "社区可预约活动室数 ÷ 登记居民数 × 10000", None, ""),
            ("coverage_culture", "15分钟可达文化设施居民占比", "%", H, "70", "coverage_culture",
             "步行15分钟内可达文化设施的居民占比", PCT, ""),
            ("bookings_per_1000", "每千名居民场馆预约数", "次", H, "100", "bookings_per_1000",
             "当年场馆预约（不含候补）÷ 登记居民数 × 1000", None, ""),
            ("bookings_no_show", "预约爽约率", "%", L, "10", "bookings_no_show",
             "当年预约中未到场的占比", PCT, ""),
        ]),
        ("culture-life", "文化活力", [
            ("notices_per_month", "月均社区公告发布数", "条", H, "4", "notices_per_month",
             "当年发布的社区公告数 ÷ 12", None, ""),
            ("culture_proposals_per_1000", "每千人文化活动议题数", "个", H, "1",
             "culture_proposals_per_1000", "当年“文化活动”类居民议题 ÷ 登记居民数 × 1000",
             None, ""),
            ("culture_activities", "月均党群服务中心文化活动场次", "场", H, "8", "",
             "党群服务中心当年组织的文化活动场次 ÷ 12", None, "街道文化站"),
            ("heritage_items", "社区文化品牌和非遗项目数", "个", H, "1", "",
             "经区级以上认定的社区文化品牌和非遗传承项目数", None, "区文广旅局"),
        ]),
    ]),
    ("ecology", "生态", 12, [
        ("ecology-green", "绿色空间", [
            ("coverage_park", "15分钟可达公园绿地居民占比", "%", H, "90", "coverage_park",
             "步行15分钟内可达公园绿地的居民占比", PCT, ""),
            ("green_per_capita", "人均公园绿地面积", "平方米", H, "14", "",
             "辖区公园绿地面积 ÷ 常住人口", None, "区公园城市局"),
            ("environment_proposals_per_1000", "每千人环境绿化议题数", "个", H, "1",
             "environment_proposals_per_1000", "当年“环境绿化”类居民议题 ÷ 登记居民数 × 1000",
             None, ""),
        ]),
        ("ecology-life", "低碳生活", [
            ("waste_sorting", "生活垃圾分类覆盖率", "%", H, "95", "",
             "实行生活垃圾分类的小区（院落）占比", PCT, "区城管局"),
            ("air_good_days", "空气质量优良天数比例", "%", H, "80", "",
             "辖区空气质量优良天数 ÷ 全年天数", PCT, "区生态环境局"),
        ]),
    ]),
    ("space", "空间", 14, [
        ("space-renewal", "有机更新", [
            ("old_city_done", "老旧城区改造项目完成率", "%", H, "90", "old_city_done",
             "当年“老旧城区改造”行动项目中已完工或验收的占比", PCT, ""),
            ("back_alley_done", "背街小巷整治项目完成率", "%", H, "90", "back_alley_done",
             "当年“背街小巷整治”行动项目中已完工或验收的占比", PCT, ""),
            ("milestones_on_time", "项目节点按期完成率", "%", H, "85", "milestones_on_time",
             "当年计划完成的项目节点中按期完成的占比", PCT, ""),
            ("projects_per_10k", "每万人建设项目数", "个", H, "2", "projects_per_10k",
             "当年社区项目数 ÷ 登记居民数 × 10000", None, ""),
        ]),
        ("space-quality", "空间品质", [
            ("service_centre_area", "每百户党群服务中心面积", "平方米", H, "30", "",
             "党群服务中心建筑面积 ÷ 户数 × 100", None, "街道办事处"),
            ("parking_gap", "停车位缺口率", "%", L, "10", "",
             "（需求车位 − 现有车位）÷ 需求车位", PCT, "区住建局"),
        ]),
    ]),
    ("industry", "产业", 10, [
        ("industry-street", "社区商业", [
            ("featured_street_done", "特色街区创建项目完成率", "%", H, "80", "featured_street_done",
             "当年“特色街区创建”行动项目中已完工或验收的占比", PCT, ""),
            ("coverage_market", "15分钟可达菜市场居民占比", "%", H, "90", "coverage_market",
             "步行15分钟内可达菜市场或生鲜超市的居民占比", PCT, ""),
            ("enterprises", "社区社会企业数", "家", H, "1", "",
             "经认定的社区社会企业数", None, "区市场监管局"),
        ]),
        ("industry-fund", "社区基金", [
            ("donations_per_1000", "每千人社区基金捐赠笔数", "笔", H, "5", "donations_per_1000",
             "当年向社区基金的已付捐赠笔数 ÷ 登记居民数 × 1000", None, ""),
            ("employment_posts", "社区就业岗位开发数", "个", H, "20", "",
             "当年开发的社区公益性和服务性就业岗位数", None, "区人社局"),
        ]),
    ]),
    ("governance", "共治", 20, [
        ("governance-participation", "居民参与", [
            ("proposals_per_1000", "每千人居民议题数", "个", H, "3", "proposals_per_1000",
             "当年有效居民议题 ÷ 登记居民数 × 1000", None, ""),
            ("supports_per_1000", "每千人议题附议数", "次", H, "20", "supports_per_1000",
             "当年议题附议次数 ÷ 登记居民数 × 1000", None, ""),
            ("proposals_decided", "议题议决率", "%", H, "60", "proposals_decided",
             "当年有效议题中经议事会议决的占比", PCT, ""),
            ("volunteers_per_1000", "每千人注册志愿者数", "人", H, "100", "",
             "注册志愿者数 ÷ 常住人口 × 1000", None, "区志愿服务联合会"),
            ("social_orgs_per_10k", "每万人社会组织数", "个", H, "5", "",
             "在社区活动的登记和备案社会组织数 ÷ 常住人口 × 10000", None, "区民政局"),
        ]),
        ("governance-council", "议事协商", [
            ("council_meetings", "议事会会议召开次数", "次", H, "4", "council_meetings",
             "当年已结束的议事会会议数", None, ""),
            ("council_attendance", "议事会成员出席率", "%", H, "80", "council_attendance",
             "已结束会议的签到人次 ÷ 各次会议在任成员数之和", PCT, ""),
            ("items_passed", "表决事项通过率", "%", H, "70", "items_passed",
             "当年表决事项中获通过的占比", PCT, ""),
            ("fund_execution", "社区保障资金执行率", "%", H, "85", "fund_execution",
             "当年资金已支付额 ÷（可用 + 预留 + 已承诺 + 已支付）", PCT, ""),
            ("survey_satisfaction", "居民满意度指数", "分", H, "85", "survey_satisfaction",
             "当年完成的问卷满意度得分均值", PCT, ""),
            ("survey_responses_per_1000", "每千人问卷参与数", "份", H, "10",
             "survey_responses_per_1000", "当年完成问卷数 ÷ 登记居民数 × 1000", None, ""),
            ("safe_community_done", "平安社区创建项目完成率", "%", H, "90", "safe_community_done",
             "当年“平安社区创建”行动项目中已完工或验收的占比", PCT, ""),
            ("crime_per_10k", "每万人刑事案件数", "起", L, "5", "",
             "当年立案的刑事案件数 ÷ 常住人口 × 10000", None, "区公安分局"),
        ]),
    ]),
    ("smart", "智慧", 12, [
        ("smart-residents", "数字居民", [
            ("residents_verified", "居民实名核验率", "%", H, "60", "residents_verified",
             "登记居民中已核验身份的占比", PCT, ""),
            ("residents_online", "居民线上开户率", "%", H, "50", "residents_online",
             "登记居民中已开通平台账号的占比", PCT, ""),
            ("ratings_per_1000", "每千人服务评价数", "条", H, "20", "ratings_per_1000",
             "当年服务评价数 ÷ 登记居民数 × 1000", None, ""),
        ]),
        ("smart-services", "数字服务", [
            ("bills_paid_on_time", "账单按期缴费率", "%", H, "90", "bills_paid_on_time",
             "当年居民账单（不含捐赠）中在到期日前缴清的占比", PCT, ""),
            ("documents_per_1000", "每千人电子证照签发数", "份", H, "30", "documents_per_1000",
             "当年签发且未撤销的电子证明 ÷ 登记居民数 × 1000", None, ""),
            ("smart_security", "智能安防小区覆盖率", "%", H, "80", "",
             "建成智能门禁和视频监控的小区（院落）占比", PCT, "区公安分局"),
        ]),
    ]),
]

HEADLINES = {
    "coverage_all",
    "rating_satisfaction",
    "survey_satisfaction",
    "proposals_per_1000",
    "fund_execution",
    "applications_on_time",
}


def equal_weights(count: int) -> list[Decimal]:
    """``count`` weights of two decimals adding up to exactly 100."""
    share = (Decimal(100) / count).quantize(Decimal("0.01"))
    weights = [share] * count
    weights[-1] = Decimal(100) - share * (count - 1)
    return weights
