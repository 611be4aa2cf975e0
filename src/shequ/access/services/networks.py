"""Stored walk networks: the shipped OSM file, which uploads are OSM files, and loading a
stored network."""

from django.utils.translation import gettext_lazy as _

from shequ.access import engine
from shequ.access.models import Network
from shequ.access.services._common import DATA_DIR, media_path
from shequ.core.errors import DomainError

SHIPPED_OSM = DATA_DIR / "chengdu.osm"


OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".xml")
MAX_OSM_BYTES = 512 * 1024 * 1024


def osm_suffix(filename: str) -> str:
    lower = filename.lower()
    for suffix in OSM_SUFFIXES:
        if lower.endswith(suffix):
            return suffix
    raise DomainError(
        "access_bad_network",
        _("Upload an OpenStreetMap file (.osm or .osm.pbf), not %(name)s."),
        field="file",
        name=filename,
    )


def network_load(network: Network) -> engine.Network:
    return engine.load_network(media_path(network.file))
