"""Ground stations: real sites and user-defined ones, with elevation masks.

Visibility is computed in the core for every satellite and station at every
step (``ground.elevation``, ``ground.visible``, ``ground.best_station``);
validated against the closed-form duration of an overhead pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class GroundStation:
    """A ground station: geodetic site (WGS-84) and elevation mask."""

    name: str
    latitude_deg: float  #: [deg] geodetic, -90..90
    longitude_deg: float  #: [deg] east, -180..360
    altitude_m: float = 0.0  #: [m] above the ellipsoid, -500..9000
    min_elevation_deg: float = 10.0  #: [deg] mask, -18..90

    def __post_init__(self) -> None:
        checks = (
            ("latitude_deg", self.latitude_deg, -90.0, 90.0),
            ("longitude_deg", self.longitude_deg, -180.0, 360.0),
            ("altitude_m", self.altitude_m, -500.0, 9000.0),
            ("min_elevation_deg", self.min_elevation_deg, -18.0, 89.999),
        )
        for field, value, lo, hi in checks:
            if not (isinstance(value, int | float) and math.isfinite(value) and lo <= value <= hi):
                raise ValueError(
                    f"ground station {self.name!r}: {field} is {value!r}; allowed: {lo} to {hi}"
                )


#: Real station sites (approximate public coordinates of the antenna farms).
DEFAULT_STATIONS: tuple[GroundStation, ...] = (
    GroundStation("Svalbard", 78.2307, 15.3976, 500.0),
    GroundStation("Inuvik", 68.3195, -133.5490, 100.0),
    GroundStation("Fairbanks", 64.9775, -147.5150, 300.0),
    GroundStation("Kiruna", 67.8894, 21.0656, 400.0),
    GroundStation("Wallops", 37.9402, -75.4664, 10.0),
    GroundStation("Hartebeesthoek", -25.8897, 27.6853, 1415.0),
    GroundStation("Singapore", 1.3521, 103.8198, 20.0),
    GroundStation("Punta Arenas", -52.9380, -70.8570, 50.0),
    GroundStation("Awarua", -46.5293, 168.3800, 10.0),
    GroundStation("Troll", -72.0117, 2.5350, 1270.0),
)


def station_arrays(
    stations: tuple[GroundStation, ...] | list[GroundStation],
) -> tuple[np.ndarray, ...]:
    """(latitude_rad, longitude_rad, altitude_m, min_elevation_rad) arrays for the core."""
    names = [s.name for s in stations]
    if len(set(names)) != len(names):
        raise ValueError(f"ground station names must be unique; got {names}")
    lat = np.radians([s.latitude_deg for s in stations])
    lon = np.radians([s.longitude_deg for s in stations])
    alt = np.array([s.altitude_m for s in stations], dtype=np.float64)
    mask = np.radians([s.min_elevation_deg for s in stations])
    return lat, lon, alt, mask
