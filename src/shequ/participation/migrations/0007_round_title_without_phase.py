"""Round titles no longer carry the phase: the demo's "社区活动经费（投票中）" kept saying so
after its results. A phase in brackets is taken out of every stored title."""

import re
from typing import Any

from django.db import migrations

PHASES = ["准备中", "征集项目", "可行性与费用审核", "投票中", "结果", "实施"]
IN_BRACKETS = re.compile(r"\s*[（(【\[](?:" + "|".join(PHASES) + r")[）)】\]]")


def strip_phase(apps: Any, schema_editor: Any) -> None:
    Round = apps.get_model("participation", "Round")
    for budget_round in Round.objects.filter(title__regex=r"[（(【\[]"):
        title = IN_BRACKETS.sub("", budget_round.title).strip()
        if title and title != budget_round.title:
            Round.objects.filter(pk=budget_round.pk).update(title=title)


class Migration(migrations.Migration):
    dependencies = [("participation", "0006_alter_meeting_minutes_alter_proposal_photo_and_more")]

    operations = [migrations.RunPython(strip_phase, migrations.RunPython.noop)]
