"""Positions in the Earth-fixed frame (ECEF, km) for drawing: satellites from
geodetic latitude, longitude and altitude (WGS-84), the Sun from the core's
analytic ephemeris rotated by GMST.

Validation: the subsolar point at 00:00 UTC lies near longitude 180 deg and at
12:00 UTC near 0 deg (within the equation of time, < 4.5 deg), with a latitude
equal to the solar declination (tests/test_view.py).
"""

from __future__ import annotations

import numpy as np

from .. import _core
from ..timeutil import Epoch

WGS84_A_KM = 6378.137  #: [km] equatorial radius
WGS84_F = 1.0 / 298.257223563  #: [1] flattening
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)  #: [1] first eccentricity squared
WGS84_B_KM = WGS84_A_KM * (1.0 - WGS84_F)  #: [km] polar radius


def geodetic_to_ecef_km(
    latitude_rad: np.ndarray, longitude_rad: np.ndarray, altitude_m: np.ndarray | float
) -> np.ndarray:
    """ECEF positions (..., 3) [km] of geodetic points (WGS-84); NaN in, NaN out."""
    lat = np.asarray(latitude_rad, dtype=np.float64)
    lon = np.asarray(longitude_rad, dtype=np.float64)
    h_km = np.asarray(altitude_m, dtype=np.float64) / 1e3
    sin_lat, cos_lat = np.sin(lat), np.cos(lat)
    n_km = WGS84_A_KM / np.sqrt(1.0 - WGS84_E2 * sin_lat**2)  # prime vertical radius
    out = np.empty(np.broadcast(lat, lon, h_km).shape + (3,))
    out[..., 0] = (n_km + h_km) * cos_lat * np.cos(lon)
    out[..., 1] = (n_km + h_km) * cos_lat * np.sin(lon)
    out[..., 2] = (n_km * (1.0 - WGS84_E2) + h_km) * sin_lat
    return out


def sun_direction_ecef(epoch: Epoch, t_s: float) -> np.ndarray:
    """Unit vector (3,) from the Earth's centre to the Sun in the Earth-fixed frame at
    ``t_s`` seconds after ``epoch`` (``_core.sun_ephemeris`` rotated by ``_core.gmst``)."""
    days, frac = divmod(epoch.jd_fraction + t_s / 86400.0, 1.0)
    jd_whole, jd_frac = epoch.jd_whole + days, frac
    eci = np.asarray(_core.sun_ephemeris(jd_whole, jd_frac)["direction"], dtype=np.float64)
    g = float(_core.gmst(np.array([jd_whole]), np.array([jd_frac]))[0])  # [rad]
    c, s = np.cos(g), np.sin(g)
    ecef = np.array([c * eci[0] + s * eci[1], -s * eci[0] + c * eci[1], eci[2]])
    return ecef / np.linalg.norm(ecef)


def subsolar_point_deg(epoch: Epoch, t_s: float) -> tuple[float, float]:
    """(latitude, longitude) [deg] of the point with the Sun at the zenith (geocentric)."""
    d = sun_direction_ecef(epoch, t_s)
    return float(np.degrees(np.arcsin(d[2]))), float(np.degrees(np.arctan2(d[1], d[0])))


def rotation_to(direction: np.ndarray) -> np.ndarray:
    """A rotation matrix (3, 3) that maps +z onto ``direction`` (a unit vector)."""
    z = np.asarray(direction, dtype=np.float64)
    z = z / np.linalg.norm(z)
    helper = np.array([0.0, 0.0, 1.0]) if abs(z[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    x = np.cross(helper, z)
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    return np.column_stack([x, y, z])
