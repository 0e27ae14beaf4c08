"""Orbit element sets: Walker constellations, plain element lists and sun-synchronous orbits.

Elements are classical mean elements at the scenario epoch in the inertial
frame the core uses (TEME, true equator and mean equinox of date); the core
propagates them with J2 secular rates and a Kepler solve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import _core

MU_EARTH_M3_S2 = 3.986004418e14  #: [m^3/s^2] WGS-84
EARTH_RADIUS_M = 6378137.0  #: [m] WGS-84 equatorial radius
EARTH_J2 = 1.08262668e-3  #: [-]
TROPICAL_YEAR_S = 365.2421897 * 86400.0  #: [s]


@dataclass(frozen=True)
class ElementSet:
    """Mean elements of N satellites at epoch, one array per element (SI units, radians)."""

    names: tuple[str, ...]
    semi_major_axis_m: np.ndarray  #: [m] (N,)
    eccentricity: np.ndarray  #: [-] (N,)
    inclination_rad: np.ndarray  #: [rad] (N,)
    raan_rad: np.ndarray  #: [rad] (N,)
    arg_perigee_rad: np.ndarray  #: [rad] (N,)
    mean_anomaly_rad: np.ndarray  #: [rad] (N,)
    plane: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))  #: (N,)

    def __post_init__(self) -> None:
        n = len(self.names)
        for name in (
            "semi_major_axis_m",
            "eccentricity",
            "inclination_rad",
            "raan_rad",
            "arg_perigee_rad",
            "mean_anomaly_rad",
        ):
            arr = np.ascontiguousarray(np.asarray(getattr(self, name), dtype=np.float64))
            if arr.shape != (n,):
                raise ValueError(f"{name} has shape {arr.shape}; allowed: ({n},), one per name")
            object.__setattr__(self, name, arr)
        plane = np.asarray(self.plane, dtype=np.int32)
        if plane.size == 0:
            plane = np.zeros(n, dtype=np.int32)
        if plane.shape != (n,):
            raise ValueError(f"plane has shape {plane.shape}; allowed: ({n},)")
        object.__setattr__(self, "plane", plane)
        if n == 0:
            raise ValueError("an element set needs at least one satellite; got 0")
        _validate(self)

    def __len__(self) -> int:
        return len(self.names)

    def __add__(self, other: ElementSet) -> ElementSet:
        offset = int(self.plane.max()) + 1
        return ElementSet(
            names=self.names + other.names,
            semi_major_axis_m=np.concatenate([self.semi_major_axis_m, other.semi_major_axis_m]),
            eccentricity=np.concatenate([self.eccentricity, other.eccentricity]),
            inclination_rad=np.concatenate([self.inclination_rad, other.inclination_rad]),
            raan_rad=np.concatenate([self.raan_rad, other.raan_rad]),
            arg_perigee_rad=np.concatenate([self.arg_perigee_rad, other.arg_perigee_rad]),
            mean_anomaly_rad=np.concatenate([self.mean_anomaly_rad, other.mean_anomaly_rad]),
            plane=np.concatenate([self.plane, other.plane + offset]),
        )


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _validate(el: ElementSet) -> None:
    e = el.eccentricity
    bad = ~((e >= 0.0) & (e < 1.0))
    if bad.any():
        i = _first_bad(bad)
        raise ValueError(
            f"eccentricity of satellite {el.names[i]!r} is {float(e[i])!r}; allowed: 0 <= e < 1"
        )
    inc_deg = np.degrees(el.inclination_rad)
    bad = ~((inc_deg >= 0.0) & (inc_deg <= 180.0))
    if bad.any():
        i = _first_bad(bad)
        raise ValueError(
            f"inclination of satellite {el.names[i]!r} is {float(inc_deg[i])!r} deg; "
            "allowed: 0 to 180 deg"
        )
    perigee_km = (el.semi_major_axis_m * (1.0 - e) - EARTH_RADIUS_M) / 1e3
    bad = ~(np.isfinite(perigee_km) & (perigee_km > 0.0))
    if bad.any():
        i = _first_bad(bad)
        raise ValueError(
            f"perigee altitude of satellite {el.names[i]!r} is {perigee_km[i]:.3f} km "
            f"(semi-major axis {el.semi_major_axis_m[i]:.1f} m, eccentricity {e[i]}); "
            "allowed: above the Earth's surface (> 0 km)"
        )
    for name in ("raan_rad", "arg_perigee_rad", "mean_anomaly_rad"):
        arr = getattr(el, name)
        bad = ~np.isfinite(arr)
        if bad.any():
            i = _first_bad(bad)
            raise ValueError(
                f"{name} of satellite {el.names[i]!r} is {float(arr[i])!r}; allowed: finite"
            )


def elements(
    *,
    semi_major_axis_m: np.ndarray | float | None = None,
    altitude_m: np.ndarray | float | None = None,
    eccentricity: np.ndarray | float = 0.0,
    inclination_deg: np.ndarray | float,
    raan_deg: np.ndarray | float = 0.0,
    arg_perigee_deg: np.ndarray | float = 0.0,
    mean_anomaly_deg: np.ndarray | float = 0.0,
    names: list[str] | tuple[str, ...] | None = None,
    prefix: str = "SAT",
) -> ElementSet:
    """A plain element set from arrays or scalars (broadcast); angles in degrees.

    Give either ``semi_major_axis_m`` or ``altitude_m`` (the mean height above the
    equatorial radius, ``a - R_E``).
    """
    if (semi_major_axis_m is None) == (altitude_m is None):
        raise ValueError("give exactly one of semi_major_axis_m and altitude_m")
    a = (
        np.asarray(semi_major_axis_m, dtype=float)
        if semi_major_axis_m is not None
        else EARTH_RADIUS_M + np.asarray(altitude_m, dtype=float)
    )
    arrays = np.broadcast_arrays(
        a,
        np.asarray(eccentricity, dtype=float),
        np.radians(np.asarray(inclination_deg, dtype=float)),
        np.radians(np.asarray(raan_deg, dtype=float)),
        np.radians(np.asarray(arg_perigee_deg, dtype=float)),
        np.radians(np.asarray(mean_anomaly_deg, dtype=float)),
    )
    arrays = [np.atleast_1d(x).astype(np.float64).copy() for x in arrays]
    n = arrays[0].size
    if names is None:
        names = tuple(f"{prefix}-{i:05d}" for i in range(n))
    return ElementSet(tuple(names), *arrays)


def walker(
    total: int,
    planes: int,
    phasing: int,
    *,
    altitude_m: float,
    inclination_deg: float,
    pattern: str = "delta",
    eccentricity: float = 0.0,
    arg_perigee_deg: float = 0.0,
    raan_offset_deg: float = 0.0,
    prefix: str = "W",
) -> ElementSet:
    """A Walker constellation ``i: total/planes/phasing``.

    ``pattern="delta"`` spreads the planes' nodes over 360 deg, ``"star"`` over
    180 deg. Satellite k of plane p has RAAN ``p * spread / planes`` and mean
    anomaly ``k * 360 / S + p * phasing * 360 / total`` (S satellites per plane).
    Names are ``{prefix}-PP-SS`` (plane, slot).
    """
    for name, value in (("total", total), ("planes", planes)):
        if not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"walker {name} is {value!r}; allowed: a positive integer")
    if total % planes != 0:
        raise ValueError(
            f"walker total is {total} with planes {planes}; allowed: total a multiple of planes"
        )
    if not isinstance(phasing, int | np.integer) or not 0 <= phasing < planes:
        raise ValueError(f"walker phasing is {phasing!r}; allowed: an integer 0 to {planes - 1}")
    spreads = {"delta": 360.0, "star": 180.0}
    if pattern not in spreads:
        raise ValueError(f"walker pattern is {pattern!r}; allowed: 'delta' or 'star'")
    per_plane = total // planes
    plane = np.repeat(np.arange(planes), per_plane)
    slot = np.tile(np.arange(per_plane), planes)
    raan = raan_offset_deg + plane * spreads[pattern] / planes
    mean_anomaly = slot * 360.0 / per_plane + plane * phasing * 360.0 / total
    width = max(2, len(str(max(planes, per_plane) - 1)))
    names = tuple(f"{prefix}-{p:0{width}d}-{s:0{width}d}" for p, s in zip(plane, slot, strict=True))
    el = elements(
        altitude_m=np.full(total, float(altitude_m)),
        eccentricity=eccentricity,
        inclination_deg=inclination_deg,
        raan_deg=np.mod(raan, 360.0),
        arg_perigee_deg=arg_perigee_deg,
        mean_anomaly_deg=np.mod(mean_anomaly, 360.0),
        names=names,
    )
    return ElementSet(
        el.names,
        el.semi_major_axis_m,
        el.eccentricity,
        el.inclination_rad,
        el.raan_rad,
        el.arg_perigee_rad,
        el.mean_anomaly_rad,
        plane.astype(np.int32),
    )


def nodal_precession_rate(
    semi_major_axis_m: float, eccentricity: float, inclination_deg: float
) -> float:
    """J2 nodal precession rate [rad/s]: -3/2 n J2 (R/p)^2 cos i (the core's own rate)."""
    _, raan_rate, _ = _core.j2_secular_rates(
        semi_major_axis_m, eccentricity, math.radians(inclination_deg)
    )
    return float(raan_rate)


def sun_synchronous_inclination(altitude_m: float, eccentricity: float = 0.0) -> float:
    """Inclination [deg] whose J2 nodal precession follows the mean Sun (360 deg a tropical year).

    cos i = -(2 pi / year) / (3/2 n J2 (R/p)^2). Raises ``ValueError`` where no
    inclination can precess that fast (above about 5,970 km).
    """
    a = EARTH_RADIUS_M + altitude_m
    n = math.sqrt(MU_EARTH_M3_S2 / a**3)
    p = a * (1.0 - eccentricity**2)
    cos_i = -(2.0 * math.pi / TROPICAL_YEAR_S) / (1.5 * n * EARTH_J2 * (EARTH_RADIUS_M / p) ** 2)
    if not -1.0 <= cos_i <= 1.0:
        raise ValueError(
            f"altitude_m is {altitude_m}; allowed: low enough for a sun-synchronous orbit"
        )
    return math.degrees(math.acos(cos_i))
