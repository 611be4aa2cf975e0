"""Error pages as served with DEBUG off (``make run``, production): ours, in Chinese, and
never Django's debugging pages with the list of every route."""

from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path

pytestmark = pytest.mark.usefixtures("chengdu")


def _explode(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


# The real routes plus one that fails, for the 500 page.
urlpatterns = [
    path("boom/", _explode),
    path("", include("shequ.config.urls")),
]


def test_a_mistyped_address_shows_the_chinese_not_found_page_without_routes(
    client: Client, settings: Any
) -> None:
    settings.DEBUG = False
    response = client.get("/consle/residents/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "未找到" in html
    assert "页面不存在" in html
    assert "URLconf" not in html
    assert "console/" not in html
    assert "django-admin" not in html


@pytest.mark.urls("tests.web.test_error_pages")
def test_a_failure_shows_the_chinese_error_page_without_the_traceback(settings: Any) -> None:
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "出错了" in html
    assert "系统出现问题，请稍后再试。" in html
    assert "RuntimeError" not in html
    assert "Traceback" not in html
    assert response["X-Request-ID"]
