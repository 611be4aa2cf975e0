"""Plan workbooks: numbers in other digits are read in NFKC or refused by row, never a crash."""

import pytest
from django.utils import translation

from shequ.people.models import User
from shequ.projects import workbooks
from shequ.projects.models import PlanTarget
from shequ.projects.services import import_results, planning
from tests.projects.test_imports import xlsx


def test_plan_rows_read_superscript_counts_and_refuse_other_scripts(
    district_officer: User,
) -> None:
    with translation.override("zh-hans"):
        header = workbooks.header_labels(workbooks.PLAN_COLUMNS)
    bad = xlsx([["背街小巷整治", "510107000000", "", "٢٠١٩", "١٢", 300000]], header=header)
    with pytest.raises(import_results.RowErrors) as caught:
        planning.plan_import(actor=district_officer, data=bad)
    assert [(e.row, e.code) for e in caught.value.errors] == [
        (2, "number_invalid"),
        (2, "number_invalid"),
    ]
    assert not PlanTarget.objects.exists()
    good = xlsx([["背街小巷整治", "510107000000", "", "２０１９", "¹²", 300000]], header=header)
    result = planning.plan_import(actor=district_officer, data=good)
    assert result.created == 1
    target = PlanTarget.objects.get()
    assert (target.year, target.count) == (2019, 12)
