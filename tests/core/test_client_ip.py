"""The client address: X-Forwarded-For counts only when a trusted proxy wrote it."""

import pytest
from django.conf import LazySettings
from django.test import RequestFactory

from shequ.config.env import ConfigurationError, trusted_proxies
from shequ.core.services import client_ip

PROXIES = ["10.0.0.0/8", "192.0.2.1"]


def _ip(remote: str, forwarded: str | None = None) -> str | None:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **extra))  # type: ignore[arg-type]


def test_forwarded_for_from_an_untrusted_peer_is_ignored(settings: LazySettings) -> None:
    settings.SHEQU_TRUSTED_PROXIES = []
    assert _ip("203.0.113.9", "1.1.1.1") == "203.0.113.9"
    assert _ip("203.0.113.9", "1.1.1.1, 2.2.2.2") == "203.0.113.9"


def test_peer_outside_the_trusted_ranges_is_the_client_even_with_proxies_set(
    settings: LazySettings,
) -> None:
    settings.SHEQU_TRUSTED_PROXIES = PROXIES
    assert _ip("203.0.113.9", "1.1.1.1") == "203.0.113.9"


def test_behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client(
    settings: LazySettings,
) -> None:
    settings.SHEQU_TRUSTED_PROXIES = PROXIES
    # The client forged "6.6.6.6"; 192.0.2.1 (edge) saw 198.51.100.7; 10.1.2.3 saw the edge.
    assert _ip("10.1.2.3", "6.6.6.6, 198.51.100.7, 192.0.2.1") == "198.51.100.7"
    assert _ip("10.1.2.3", "198.51.100.7") == "198.51.100.7"


def test_trusted_proxy_without_a_readable_hop_is_itself_the_answer(
    settings: LazySettings,
) -> None:
    settings.SHEQU_TRUSTED_PROXIES = PROXIES
    assert _ip("10.1.2.3") == "10.1.2.3"
    assert _ip("10.1.2.3", "1.1.1.1, not-an-ip") == "10.1.2.3"


def test_when_every_hop_is_trusted_the_left_most_is_the_client(settings: LazySettings) -> None:
    settings.SHEQU_TRUSTED_PROXIES = PROXIES
    assert _ip("10.1.2.3", "10.9.9.9, 192.0.2.1") == "10.9.9.9"


def test_ports_brackets_and_mapped_addresses_are_normalised(settings: LazySettings) -> None:
    settings.SHEQU_TRUSTED_PROXIES = ["10.0.0.0/8", "::1"]
    assert _ip("10.1.2.3", "198.51.100.7:5123") == "198.51.100.7"
    assert _ip("::1", "[2001:db8::5]:443") == "2001:db8::5"
    assert _ip("::ffff:203.0.113.9") == "203.0.113.9"
    assert _ip("") is None


def test_trusted_proxies_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    assert trusted_proxies() == []
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.1")
    assert trusted_proxies() == ["10.0.0.0/8", "192.0.2.1"]
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8,nginx")
    with pytest.raises(ConfigurationError, match="nginx"):
        trusted_proxies()
