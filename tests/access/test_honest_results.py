"""The 15-minute results say what they do not know instead of reporting failure: a category
nobody has mapped is "no data", unlocated communities are listed to be placed on a map, and
every share reads as a percentage."""

import re
from typing import Any

from django.test import Client
from django.urls import reverse

from shequ.access import selectors
from shequ.access.models import ALL_ESSENTIAL, CoverageRow, FacilityCategory, Network
from shequ.access.services.runs import run_create, run_execute
from shequ.core.scopes import Role
from shequ.places.models import Division
from tests.factories import make_staff

NIJIAQIAO = "510107005004"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _run_with_unmapped_category(network: Network, committee: Any) -> Any:
    FacilityCategory.objects.create(code="laundry", name="洗衣房", essential=True, sort_order=99)
    created = run_create(actor=committee, network=network, label="with laundry")
    return run_execute(created.pk)


def test_a_category_without_any_facility_is_no_data_not_a_failure(
    network: Network, committee: Any
) -> None:
    run = _run_with_unmapped_category(network, committee)
    assert "laundry" in run.summary["no_data"]
    assert "laundry" not in run.summary["all_essential_over"]
    assert run.summary["share"]["laundry"] is None
    rows = CoverageRow.objects.filter(run=run, category="laundry")
    assert rows.exists()
    assert not rows.filter(share__isnull=False).exists()
    # "All daily needs" is computed over the mapped categories, so it is not 0 % everywhere.
    assert CoverageRow.objects.filter(run=run, category=ALL_ESSENTIAL, share__gt=0).exists()

    body = _client(committee).get(reverse("access_console:run", args=[run.pk])).content.decode()
    assert 'data-testid="no-data"' in body
    summary = body.split('data-testid="failing-summary"')[1].split("</table>")[0]
    laundry = summary.split('data-category="laundry"')[1].split("</tr>")[0]
    assert 'data-testid="category-no-data"' in laundry
    assert "无数据" in laundry
    assert "洗衣房" not in "".join(re.findall(r'data-testid="fails">([^<]*)<', body))


def test_table_and_map_use_one_percentage_format(network: Network, committee: Any) -> None:
    run = _run_with_unmapped_category(network, committee)
    body = _client(committee).get(reverse("access_console:run", args=[run.pk])).content.decode()
    table = body.split('data-testid="coverage-table"')[1].split("</table>")[0]
    assert re.search(r">\d{1,3}\.\d%<", table)
    page = _client(committee).get(
        reverse("access_console:map", args=[run.pk]), {"category": "laundry"}
    )
    assert b'data-testid="map-no-data"' in page.content


def test_siting_gain_reads_as_percentages_matching_its_table(
    network: Network, committee: Any
) -> None:
    created = run_create(actor=committee, network=network, label="base")
    run = run_execute(created.pk)
    client = _client(committee)
    response = client.post(
        reverse("access_console:siting_create", args=[run.pk]),
        {"category": "elderly_care", "k": 3, "district": "510105000000"},
        follow=True,
    )
    body = response.content.decode()
    gain = body.split('data-testid="siting-gain"')[1].split("</p>")[0]
    before, after = re.findall(r"(\d{1,3}\.\d)%", gain)[:2]
    steps = body.split('data-testid="siting-steps"')[1].split("</table>")[0]
    last = re.findall(r"(\d{1,3}\.\d)%", steps)[-1]
    assert float(after) > float(before)
    assert after == last


def test_unlocated_communities_are_listed_and_placed_from_the_map(
    network: Network, committee: Any
) -> None:
    Division.objects.filter(code=NIJIAQIAO).update(longitude=None, latitude=None)
    worker = make_staff("acc_locator", Role.COMMUNITY_WORKER, NIJIAQIAO)
    assert list(selectors.communities_to_locate(worker).values_list("code", flat=True)) == [
        NIJIAQIAO
    ]
    client = _client(worker)
    listing = client.get(reverse("access_console:to_locate")).content.decode()
    assert reverse("console:division", args=[NIJIAQIAO]) in listing
    page = client.get(reverse("console:division", args=[NIJIAQIAO])).content.decode()
    assert 'data-testid="locate-map"' in page
    assert "places/locate.js" in page
    # Out of the district: refused, still listed.
    division = Division.objects.get(pk=NIJIAQIAO)
    form = {
        "service_centre_address": division.service_centre_address,
        "population": division.population or "",
        "households": division.households or "",
        "urban_rural": division.urban_rural,
    }
    client.post(
        reverse("console:division", args=[NIJIAQIAO]),
        {**form, "longitude": "116.4", "latitude": "39.9"},
    )
    assert selectors.communities_to_locate(worker).count() == 1
    client.post(
        reverse("console:division", args=[NIJIAQIAO]),
        {**form, "longitude": "104.0700", "latitude": "30.6300"},
    )
    assert selectors.communities_to_locate(worker).count() == 0
    empty = client.get(reverse("access_console:to_locate")).content.decode()
    assert 'data-testid="to-locate-total"' in empty


def test_others_cannot_see_another_areas_communities_to_locate(chengdu: None) -> None:
    Division.objects.filter(code=NIJIAQIAO).update(longitude=None, latitude=None)
    other = make_staff("acc_other", Role.COMMUNITY_WORKER, "510104017001")
    assert NIJIAQIAO not in selectors.communities_to_locate(other).values_list("code", flat=True)
