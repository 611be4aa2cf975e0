"""Public statistics: organisations per 10,000 residents by district (places population),
grades, money per field and district; the indicator source for computed indicators."""

from decimal import Decimal

from django.test import Client

from shequ.civil.models import Application, Call, Organisation
from shequ.civil.statistics import civil_statistics
from shequ.indicators.sources import SOURCES, compute
from shequ.people.models import User
from shequ.places.models import Division
from tests.civil.conftest import submit
from tests.factories import NIJIAQIAO, WUHOU


def test_figures_per_district_grade_and_field(
    call: Call, applicant: User, graded: Organisation
) -> None:
    Division.objects.filter(level="district").update(population=None)
    Division.objects.filter(level="community").update(population=None)
    Division.objects.filter(code=NIJIAQIAO).update(population=20000)
    application = submit(call, applicant, graded)
    Application.objects.filter(pk=application.pk).update(  # type: ignore[attr-defined]
        status=Application.Status.AWARDED, award_amount=Decimal("90000")
    )
    stats = civil_statistics()
    wuhou = next(d for d in stats.districts if d.code == WUHOU)
    assert (wuhou.organisations, wuhou.population, wuhou.per_10k) == (1, 20000, 0.5)
    assert dict(stats.grades)["4A"] == 1
    assert stats.ungraded == 0
    assert [(r.key, r.awarded, r.paid) for r in stats.by_field] == [
        ("elderly", Decimal("90000"), Decimal(0))
    ]
    page = Client().get("/civil/statistics/").content.decode()
    assert "0.5" in page
    api = Client().get("/api/v1/civil/statistics").json()
    assert api["districts"][0]["per_10k"] == 0.5
    assert api["by_district"][0]["key"] == WUHOU


def test_the_indicator_source_counts_organisations_per_10k_served(
    graded: Organisation,
) -> None:
    Division.objects.filter(code=NIJIAQIAO).update(population=4000)
    values, inputs = compute(SOURCES["social_organisations_per_10k"], 2026)
    assert values[NIJIAQIAO] == 2.5
    assert inputs[NIJIAQIAO] == {"numerator": 1.0, "denominator": 4000.0}
