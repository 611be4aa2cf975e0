"""Demo application forms for a few services (idempotent: a service with a form keeps it)."""

from typing import Any

from django.db import transaction

from shequ.casework.models import FormDefinition
from shequ.casework.services.definitions import form_definition_publish
from shequ.catalogue.models import Service

PHOTO = {"types": ["jpg", "png"], "max_kb": 2048}
SCAN = {"types": ["pdf", "jpg", "png"], "max_kb": 5120}

FORMS: dict[str, dict[str, Any]] = {
    "juzhuzheng": {
        "fields": [
            {
                "name": "address",
                "label": "居住地址",
                "type": "text",
                "required": True,
                "max_length": 200,
            },
            {
                "name": "since",
                "label": "开始居住日期",
                "type": "date",
                "required": True,
                "max": "today",
            },
            {
                "name": "basis",
                "label": "申领条件",
                "type": "choice",
                "required": True,
                "choices": ["合法稳定就业", "合法稳定住所", "连续就读"],
            },
            {"name": "employer", "label": "工作单位", "type": "text", "max_length": 100},
        ],
        "documents": [
            {"name": "photo", "label": "近期免冠照片", "required": True, **PHOTO},
            {"name": "proof", "label": "住所或就业证明", "required": True, **SCAN},
        ],
    },
    "laonianren-youdaizheng": {
        "fields": [
            {
                "name": "contact_name",
                "label": "紧急联系人",
                "type": "text",
                "required": True,
                "max_length": 30,
            },
            # A declared phone field: the answer is encrypted, shown masked, revealed audited.
            {
                "name": "contact_phone",
                "label": "紧急联系人手机号",
                "type": "phone",
                "required": True,
            },
            {
                "name": "pickup",
                "label": "领取方式",
                "type": "choice",
                "required": True,
                "choices": ["社区领取", "邮寄"],
            },
        ],
        "documents": [{"name": "photo", "label": "近期免冠照片", "required": True, **PHOTO}],
        # 60周岁以上: checked from the registry's date of birth on the day of submission.
        "eligibility": {"min_age": 60},
    },
    "xinshenger-luohu": {
        "fields": [
            {
                "name": "baby_name",
                "label": "新生儿姓名",
                "type": "text",
                "required": True,
                "max_length": 20,
            },
            {
                "name": "birth_date",
                "label": "出生日期",
                "type": "date",
                "required": True,
                "max": "today",
            },
            {
                "name": "follow",
                "label": "随父/随母落户",
                "type": "choice",
                "required": True,
                "choices": ["随父", "随母"],
            },
        ],
        "documents": [{"name": "certificate", "label": "出生医学证明", "required": True, **SCAN}],
    },
    "gongjijin-tiqu": {
        "fields": [
            {
                "name": "amount",
                "label": "提取金额（元）",
                "type": "decimal",
                "required": True,
                "min": 1,
                "max": 100000,
            },
            {
                "name": "months",
                "label": "租房月数",
                "type": "integer",
                "required": True,
                "min": 1,
                "max": 12,
            },
            {
                "name": "no_house",
                "label": "本人承诺在本市无自有住房",
                "type": "boolean",
                "required": True,
            },
        ],
        "documents": [{"name": "contract", "label": "租赁合同", "required": False, **SCAN}],
    },
    "shequ-zhengming": {
        "fields": [
            {
                "name": "purpose",
                "label": "证明用途",
                "type": "textarea",
                "required": True,
                "max_length": 300,
            },
        ],
        "documents": [],
    },
}


@transaction.atomic
def seed_casework() -> int:
    """Publish version 1 of each demo form whose service has none; returns how many."""
    created = 0
    for code, spec in FORMS.items():
        service = Service.objects.filter(code=code).first()
        if service is None or FormDefinition.objects.filter(service=service).exists():
            continue
        form_definition_publish(
            actor=None,
            service_id=service.pk,
            fields=spec["fields"],
            documents=spec["documents"],
            eligibility=spec.get("eligibility"),
        )
        created += 1
    return created
