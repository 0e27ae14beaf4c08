"""orbitwin: a digital twin of space-computing constellations.

A C++ core (``orbitwin._core``) steps orbit, Sun, eclipse and attitude models
for thousands of satellites in structure-of-arrays form; this package is the
Python face: element sets and TLEs, the :class:`Twin`, scenarios and output.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from . import _core
from .constellations import (
    ElementSet,
    elements,
    nodal_precession_rate,
    sun_synchronous_inclination,
    walker,
)
from .radiation import Device, RadiationConfig, SeeResponse, solar_particle_event
from .scenario import DEFAULT_CHANNELS, Scenario, ScenarioError, load_scenario
from .timeutil import Epoch, duration_ns, parse_epoch
from .tle import SgpPropagator, TleSet, parse_tle, read_tle
from .twin import Fleet, Twin

try:
    __version__ = version("orbitwin")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = [
    "DEFAULT_CHANNELS",
    "Device",
    "ElementSet",
    "Epoch",
    "Fleet",
    "RadiationConfig",
    "Scenario",
    "SeeResponse",
    "ScenarioError",
    "SgpPropagator",
    "TleSet",
    "Twin",
    "__version__",
    "_core",
    "duration_ns",
    "elements",
    "load_scenario",
    "nodal_precession_rate",
    "parse_epoch",
    "parse_tle",
    "read_tle",
    "solar_particle_event",
    "sun_synchronous_inclination",
    "walker",
]
