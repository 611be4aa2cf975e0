"""Content names in the reader's language: English when active and set, else Chinese."""

from django.template import Context, Template
from django.utils import translation

from shequ.catalogue.models import Topic
from shequ.core.names import english_active, shown_name
from shequ.places.models import Division


def test_english_name_only_on_english_pages_and_only_when_set() -> None:
    named = Topic(code="birth", name="生育出生", name_en="Having a baby")
    unnamed = Topic(code="death", name="身后事", name_en="")
    with translation.override("en"):
        assert english_active()
        assert shown_name(named) == "Having a baby"
        assert shown_name(unnamed) == "身后事"
        assert named.shown_name == "Having a baby"
    with translation.override("zh-hans"):
        assert not english_active()
        assert shown_name(named) == "生育出生"
    assert shown_name(None) == ""


def test_division_falls_back_to_the_field_asked_for() -> None:
    division = Division(code="510107005004", name="倪家桥社区居委会", short_name="倪家桥社区")
    with translation.override("en"):
        assert shown_name(division, "short_name") == "倪家桥社区"
        division.name_en = "Nijiaqiao Community"
        assert shown_name(division, "short_name") == "Nijiaqiao Community"
    with translation.override("zh-hans"):
        assert shown_name(division, "short_name") == "倪家桥社区"


def test_template_filter() -> None:
    template = Template('{% load shequ_ui %}{{ t|shown }} / {{ d|shown:"short_name" }}')
    context = Context(
        {
            "t": Topic(name="养老敬老", name_en="Old age"),
            "d": Division(name="武侯区", short_name="武侯区", name_en=""),
        }
    )
    with translation.override("en"):
        assert template.render(context) == "Old age / 武侯区"
    with translation.override("zh-hans"):
        assert template.render(context) == "养老敬老 / 武侯区"
