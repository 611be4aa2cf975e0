"""The public dashboards name divisions in English on English pages."""

from django.test import Client

from shequ.portal.services import snapshot_take
from tests.factories import WUHOU, YULIN

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def test_dashboards_show_district_names_in_english_and_chinese(chengdu: None) -> None:
    snapshot_take(dataset="projects-by-division")
    english = Client().get("/dashboards/", **EN).content.decode()
    assert f'href="/dashboards/{WUHOU}/" data-testid="drill">Wuhou District</a>' in english
    assert 'data-testid="drill">Jianyang City</a>' in english
    chinese = Client().get("/dashboards/", **ZH).content.decode()
    assert f'href="/dashboards/{WUHOU}/" data-testid="drill">武侯区</a>' in chinese
    assert "Wuhou District" not in chinese
    district = Client().get(f"/dashboards/{WUHOU}/", **EN).content.decode()
    assert 'data-testid="dashboard-title">Wuhou District</h1>' in district
    # Streets have no English name: their Chinese one.
    assert f'href="/dashboards/{YULIN}/" data-testid="drill">玉林街道</a>' in district
    street = Client().get(f"/dashboards/{YULIN}/", **EN).content.decode()
    assert f'<a href="/dashboards/{WUHOU}/">Wuhou District</a>' in street
    assert 'data-testid="dashboard-title">玉林街道</h1>' in street
