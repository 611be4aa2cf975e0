"""Official English names of Chengdu and its 20 county-level divisions.

Provenance: the official names, romanised per GB/T 16159 (汉语拼音正词法基本规则) with the
generic term translated (区 District, 县 County, 市 City), as Chengdu's government sites
use them. Streets and communities have none here; staff may add them in the console.
"""

CITY_NAME_EN = "Chengdu"

DISTRICT_NAMES_EN: dict[str, str] = {
    "510104000000": "Jinjiang District",  # 锦江区
    "510105000000": "Qingyang District",  # 青羊区
    "510106000000": "Jinniu District",  # 金牛区
    "510107000000": "Wuhou District",  # 武侯区
    "510108000000": "Chenghua District",  # 成华区
    "510112000000": "Longquanyi District",  # 龙泉驿区
    "510113000000": "Qingbaijiang District",  # 青白江区
    "510114000000": "Xindu District",  # 新都区
    "510115000000": "Wenjiang District",  # 温江区
    "510116000000": "Shuangliu District",  # 双流区
    "510117000000": "Pidu District",  # 郫都区
    "510118000000": "Xinjin District",  # 新津区
    "510121000000": "Jintang County",  # 金堂县
    "510129000000": "Dayi County",  # 大邑县
    "510131000000": "Pujiang County",  # 蒲江县
    "510181000000": "Dujiangyan City",  # 都江堰市
    "510182000000": "Pengzhou City",  # 彭州市
    "510183000000": "Qionglai City",  # 邛崃市
    "510184000000": "Chongzhou City",  # 崇州市
    "510185000000": "Jianyang City",  # 简阳市
}


def official_names_en() -> dict[str, str]:
    """Code → English name, for the city and its districts."""
    return {"510100000000": CITY_NAME_EN, **DISTRICT_NAMES_EN}
