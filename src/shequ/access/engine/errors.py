"""Exception classes raised by the accessibility engine.

Every error message names the problem (and where possible the file, line or
offending value) so that it can be shown to an operator unchanged.
"""

from __future__ import annotations


class AccessEngineError(Exception):
    """Base class of every error the engine raises on purpose."""


class NetworkImportError(AccessEngineError):
    """An OpenStreetMap file could not be turned into a walk network.

    Raised for malformed or truncated XML/PBF data, unsupported PBF features and
    files that contain no walkable ways.  Nothing is written when it is raised.
    """


class NetworkFormatError(AccessEngineError):
    """A saved network file is not a valid network (wrong format, version or arrays)."""


class InvalidThresholdError(AccessEngineError, ValueError):
    """A distance or time threshold is not a finite number greater than zero."""


class SnapError(AccessEngineError, ValueError):
    """Points could not be snapped to the network."""


class InvalidCoordinatesError(SnapError):
    """Coordinates are not finite or outside the valid longitude/latitude range."""


class OutsideNetworkError(SnapError):
    """Points lie outside the network's bounding box (plus margin)."""


class SwappedCoordinatesError(SnapError):
    """Points look like (latitude, longitude) were passed as (longitude, latitude)."""
