"""orbitwin: a digital twin of space-computing constellations.

A C++ core (``orbitwin._core``) steps orbit, Sun, eclipse and attitude models
for thousands of satellites in structure-of-arrays form; this package is the
Python face: element sets and TLEs, the :class:`Twin`, scenarios and output.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from . import _core, design
from .constellations import (
    ElementSet,
    elements,
    nodal_precession_rate,
    sun_synchronous_inclination,
    walker,
)
from .design import SatelliteDesign, compute_node, relay_sat
from .ground import DEFAULT_STATIONS, GroundStation
from .radiation import Device, RadiationConfig, SeeResponse, solar_particle_event
from .results import RunFileError, open_run, run_info
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
    "DEFAULT_STATIONS",
    "ElementSet",
    "Epoch",
    "Fleet",
    "GroundStation",
    "RunFileError",
    "Device",
    "RadiationConfig",
    "Scenario",
    "SeeResponse",
    "ScenarioError",
    "SatelliteDesign",
    "SgpPropagator",
    "TleSet",
    "Twin",
    "__version__",
    "_core",
    "compute_node",
    "design",
    "duration_ns",
    "elements",
    "load_scenario",
    "open_run",
    "run_info",
    "nodal_precession_rate",
    "parse_epoch",
    "parse_tle",
    "read_tle",
    "relay_sat",
    "solar_particle_event",
    "sun_synchronous_inclination",
    "walker",
]
