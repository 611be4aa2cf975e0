"""Fixtures for the Django side of the access app: the shipped network, POIs and one run."""

from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings

from shequ.access.models import Network, Run
from shequ.access.services.network_imports import shipped_setup
from shequ.access.services.runs import run_create, run_execute
from shequ.core.scopes import CITY_CODE, Role
from tests.factories import make_staff


@pytest.fixture
def media(settings: LazySettings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def committee(chengdu: None) -> Any:
    return make_staff("acc_committee", Role.CITY_COMMITTEE, CITY_CODE)


@pytest.fixture
def network(chengdu: None, media: Path) -> Network:
    net, _ = shipped_setup(actor=None)
    return net


@pytest.fixture
def run(network: Network, committee: Any) -> Run:
    created = run_create(actor=committee, network=network, label="base")
    return run_execute(created.pk)
