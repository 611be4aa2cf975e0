import pytest

from shequ.catalogue.demo import seed_catalogue


@pytest.fixture
def catalogue(chengdu: None) -> None:
    """The illustrative catalogue (121 services), without policy documents."""
    seed_catalogue(policies_per_service=0)
