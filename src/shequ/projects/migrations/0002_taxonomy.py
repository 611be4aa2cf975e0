"""The five major actions (五大行动) and their project types, as published by Chengdu in 2017.

After this migration the city committee edits them in the console; the migration only adds
what is missing, so re-running it never overwrites an edit.
"""

from django.db import migrations

ACTIONS = [
    # (code, name, [(type code, type name, label in reports, measure word)])
    (
        "old-city",
        "老旧城区改造",
        [
            ("shanty-town", "棚户区改造", "棚户区改造项目", "个"),
            ("old-courtyard", "老旧院落整治", "老旧院落整治", "个"),
            ("urban-village", "城中村改造", "城中村改造", "个"),
        ],
    ),
    (
        "back-alley",
        "背街小巷整治",
        [
            ("back-alley", "背街小巷整治", "背街小巷整治", "条"),
            ("two-demolish-one-add", "两拆一增", "“两拆一增”点位", "个"),
            ("pocket-park", "小游园·微绿地", "小游园·微绿地", "个"),
        ],
    ),
    (
        "featured-street",
        "特色街区创建",
        [("featured-street", "特色街区", "特色街区", "条")],
    ),
    (
        "service-upgrade",
        "社区服务提升",
        [
            ("activity-rooms", "社区活动用房达标", "社区活动用房达标", "个"),
            ("community-complex", "社区综合体", "社区综合体", "个"),
            ("public-facility", "公共服务设施", "公共服务设施", "个"),
        ],
    ),
    (
        "safe-community",
        "平安社区创建",
        [
            ("legal-service", "村(社区)法律之家", "村(社区)法律之家", "个"),
            ("governance-centre", "综治中心", "综治中心", "个"),
            ("xueliang", "雪亮工程", "“雪亮工程”视频监控项目", "个"),
        ],
    ),
]


def add_taxonomy(apps, schema_editor):
    Action = apps.get_model("projects", "Action")
    ProjectType = apps.get_model("projects", "ProjectType")
    for a_order, (a_code, a_name, types) in enumerate(ACTIONS, start=1):
        action, _ = Action.objects.get_or_create(
            code=a_code, defaults={"name": a_name, "order": a_order}
        )
        for t_order, (t_code, t_name, label, unit) in enumerate(types, start=1):
            ProjectType.objects.get_or_create(
                code=t_code,
                defaults={
                    "action": action,
                    "name": t_name,
                    "report_label": label,
                    "unit": unit,
                    "order": t_order,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]

    operations = [migrations.RunPython(add_taxonomy, migrations.RunPython.noop)]
