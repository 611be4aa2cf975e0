"""Content-Security-Policy: every response forbids inline script, and no template needs it."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from shequ.config.env import map_tile_sources
from shequ.core.scopes import Role
from shequ.web.templatetags.shequ_ui import width_class
from tests.factories import make_staff

pytestmark = pytest.mark.usefixtures("chengdu")

SRC = Path(__file__).resolve().parents[2] / "src" / "shequ"
TEMPLATES = sorted(SRC.glob("*/templates/**/*.html"))

# Markup the policy refuses: an inline <script> (a JSON data block is inert and allowed), an
# on…= event handler, htmx's hx-on (run through eval), a javascript: URL, a style attribute
# or a <style> element (style-src 'self').
TAG = re.compile(r"<(script|style)\b([^>]*)>", re.IGNORECASE)
REFUSED_ATTRIBUTES = re.compile(
    r"""\s(on[a-z]+|hx-on[:\w-]*|style)\s*=|\b(href|src|action)\s*=\s*["']?\s*javascript:""",
    re.IGNORECASE,
)


def _directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


def _parameterless_paths(resolver: URLResolver, prefix: str = "") -> Iterator[str]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _parameterless_paths(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            path = prefix + str(entry.pattern)
            if not re.search(r"[<(^$?\\]", path):  # no converters, no regular expressions
                yield "/" + path


def _assert_strict(response_header: str | None, path: str) -> None:
    assert response_header, f"{path}: no Content-Security-Policy header"
    directives = _directives(response_header)
    script_src = directives.get("script-src", directives.get("default-src"))
    assert script_src is not None, path
    assert "'unsafe-inline'" not in script_src, path
    assert "'unsafe-eval'" not in script_src, path
    assert "'unsafe-inline'" not in directives.get("style-src", []), path
    assert directives.get("object-src") == ["'none'"], path


def test_every_page_sends_a_policy_without_inline_script() -> None:
    paths = sorted(set(_parameterless_paths(get_resolver())))
    assert len(paths) > 100  # the walk found the site, not an empty resolver
    admin = make_staff("csp-admin", Role.SYSTEM_ADMIN)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    # A view that fails still answers with the policy (its own bug is another test's business).
    anonymous = Client(raise_request_exception=False)
    signed_in = Client(raise_request_exception=False)
    signed_in.force_login(admin, backend="shequ.people.auth_backends.UsernameOrPhoneBackend")
    for visitor in (anonymous, signed_in):
        for path in paths:
            response = visitor.get(path)
            _assert_strict(response.get("Content-Security-Policy"), path)


def test_error_pages_carry_the_policy_too(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    _assert_strict(response.get("Content-Security-Policy"), "/no-such-page/")


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(SRC)))
def test_templates_have_no_inline_script_handler_or_style(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    for match in TAG.finditer(text):
        kind, attributes = match.group(1).lower(), match.group(2)
        if kind == "script":
            assert re.search(r"\bsrc\s*=", attributes) or "application/json" in attributes, (
                f"inline <script> at offset {match.start()}"
            )
        else:
            pytest.fail(f"<style> element at offset {match.start()}")
    refused = REFUSED_ATTRIBUTES.search(text)
    assert refused is None, f"{refused.group(0).strip()!r} at offset {refused.start()}"


def test_the_template_scan_sees_what_it_refuses() -> None:
    samples = [
        '<button onclick="go()">',
        "<select ONCHANGE='this.form.submit()'>",
        '<div hx-on::after-request="x()">',
        '<div hx-on:htmx:before-swap="x()">',
        '<p style="white-space: pre-line">',
        '<a href="javascript:void(0)">',
    ]
    for sample in samples:
        assert REFUSED_ATTRIBUTES.search(sample), sample
    assert REFUSED_ATTRIBUTES.search('<div data-confirm="Delete?" class="x">') is None
    assert REFUSED_ATTRIBUTES.search('<div data-swap-statuses="400 429">') is None


WIDTHS = [(0, "pct-0"), (37, "pct-37"), ("42", "pct-42"), (66.5, "pct-67"), (" 9% ", "pct-9")]
OUT_OF_RANGE = [(130, "pct-100"), (-5, "pct-0"), (None, "pct-0"), ("", "pct-0"), ("nan", "pct-0")]


@pytest.mark.parametrize(("value", "expected"), [*WIDTHS, *OUT_OF_RANGE])
def test_progress_widths_are_classes_of_whole_clamped_percents(
    value: object, expected: str
) -> None:
    assert width_class(value) == expected


def test_every_progress_class_exists_in_the_stylesheet() -> None:
    css = (SRC / "web/static/web/shequ.css").read_text()
    for percent in range(101):
        assert f".pct-{percent} {{ width: {percent}%; }}" in css


def test_map_tiles_of_another_origin_are_allowed_as_images() -> None:
    assert map_tile_sources("") == []
    assert map_tile_sources("/tiles/{z}/{x}/{y}.png") == []
    assert map_tile_sources("https://tiles.example.cn/{z}/{x}/{y}.png") == [
        "https://tiles.example.cn"
    ]
    assert map_tile_sources("https://{s}.tile.example.org/{z}/{x}/{y}.png") == [
        "https://*.tile.example.org"
    ]
