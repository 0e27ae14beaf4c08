"""Validation of the Sun and the Earth's shadow: the analytic solar ephemeris against
published equinox/solstice instants, Meeus and the perihelion/aphelion distances;
the penumbra model against ray casting; eclipse durations of circular orbits against
the closed-form beta-angle formula; the beta-angle channel.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

import numpy as np
import pytest

import orbitwin as ow
from orbitwin import _core

R_E = 6378137.0  # [m] the core's spherical Earth for the shadow (WGS-84 equatorial radius)
R_SUN = 6.957e8  # [m] IAU nominal solar radius
AU = 1.495978707e11  # [m]
NS = 1_000_000_000


def julian(iso: str) -> tuple[float, float]:
    """(jd_whole, jd_fraction) of a UTC instant 'YYYY-MM-DDTHH:MMZ', computed here."""
    dt = datetime.strptime(iso, "%Y-%m-%dT%H:%MZ").replace(tzinfo=timezone.utc)
    midnight = dt.replace(hour=0, minute=0)
    days = (midnight - datetime(2000, 1, 1, tzinfo=timezone.utc)).days
    return 2451544.5 + days, (dt - midnight).total_seconds() / 86400.0


def angle_diff_deg(a: float, b: float) -> float:
    return (a - b + 180.0) % 360.0 - 180.0


# --------------------------------------------------------------------------- solar ephemeris

# Instants (UTC, to the minute) when the Sun's apparent ecliptic longitude is 0, 90,
# 180 and 270 deg. Source: the USNO "Earth's Seasons" tables as collected in Astronomy
# Engine's test data (github.com/cosinekitty/astronomy, generate/seasons/seasons.txt);
# the 2000 and 2012 rows agree with PyEphem's copy of the USNO table
# (ephem/tests/test_usno_equinoxes.py) to the minute, and the 2024 rows with USNO.
SEASONS = [
    ("2000-03-20T07:35Z", 0.0),
    ("2000-06-21T01:48Z", 90.0),
    ("2000-09-22T17:28Z", 180.0),
    ("2000-12-21T13:37Z", 270.0),
    ("2006-09-23T04:03Z", 180.0),
    ("2012-12-21T11:12Z", 270.0),
    ("2018-03-20T16:15Z", 0.0),
    ("2024-03-20T03:06Z", 0.0),
    ("2024-06-20T20:51Z", 90.0),
    ("2024-09-22T12:44Z", 180.0),
    ("2024-12-21T09:20Z", 270.0),
    ("2031-06-21T13:17Z", 90.0),
    ("2037-03-20T06:50Z", 0.0),
    ("2044-09-22T08:48Z", 180.0),
    ("2050-03-20T10:19Z", 0.0),
    ("2050-06-21T03:33Z", 90.0),
    ("2050-09-22T19:28Z", 180.0),
    ("2050-12-21T16:38Z", 270.0),
]


@pytest.mark.parametrize(("iso", "longitude_deg"), SEASONS)
def test_sun_longitude_at_equinoxes_and_solstices(iso: str, longitude_deg: float) -> None:
    """Apparent ecliptic longitude within 0.02 deg: the Astronomical Almanac states
    0.01 deg for these formulae (1950-2050); rounding the instants to the minute
    adds <= 0.0003 deg, and UT vs TT (~70 s) 0.0008 deg."""
    sun = _core.sun_ephemeris(*julian(iso))
    lam = math.degrees(sun["ecliptic_longitude_rad"])
    assert abs(angle_diff_deg(lam, longitude_deg)) <= 0.02
    # the direction is that longitude on the ecliptic, seen in the equatorial frame
    d = np.array(sun["direction"])
    assert np.linalg.norm(d) == pytest.approx(1.0, abs=1e-15)
    dec = math.degrees(math.asin(d[2]))
    eps = math.degrees(sun["obliquity_rad"])
    assert eps == pytest.approx(23.44, abs=0.01)
    expected_dec = math.degrees(
        math.asin(math.sin(math.radians(eps)) * math.sin(math.radians(lam)))
    )
    assert dec == pytest.approx(expected_dec, abs=1e-9)


def test_sun_meeus_example_25a() -> None:
    """Meeus, Astronomical Algorithms, example 25.a (1992-10-13 0h TD): apparent
    longitude 199.90895 deg, RA 13h13m31.4s, dec -7 deg 47' 06", R = 0.99766 AU.
    Angles within 0.01 deg (the Almanac formulae's stated accuracy; TD vs UT is
    0.0007 deg), distance within 1e-4 AU."""
    sun = _core.sun_ephemeris(2448908.5, 0.0)
    d = np.array(sun["direction"])
    assert abs(angle_diff_deg(math.degrees(sun["ecliptic_longitude_rad"]), 199.90895)) <= 0.01
    ra = math.degrees(math.atan2(d[1], d[0])) % 360.0
    assert abs(angle_diff_deg(ra, (13 + 13 / 60 + 31.4 / 3600) * 15.0)) <= 0.01
    assert math.degrees(math.asin(d[2])) == pytest.approx(-(7 + 47 / 60 + 6 / 3600), abs=0.01)
    assert sun["distance_m"] / AU == pytest.approx(0.99766, abs=1e-4)


@pytest.mark.parametrize(
    ("start", "published", "extreme", "published_au"),
    [
        # Instants: USNO via Astronomy Engine's seasons.txt (see SEASONS). Distances:
        # mean perihelion 0.9832899 AU and aphelion 1.0167103 AU; the Moon moves the
        # actual values by up to 0.0002 AU and the instants by up to ~1.5 days.
        ("2024-01-01T00:00Z", "2024-01-03T00:38Z", "min", 0.9832899),
        ("2024-07-02T00:00Z", "2024-07-05T05:06Z", "max", 1.0167103),
        ("2040-01-01T00:00Z", "2040-01-03T11:32Z", "min", 0.9832899),
        ("2040-07-02T00:00Z", "2040-07-05T19:01Z", "max", 1.0167103),
    ],
)
def test_sun_distance_at_perihelion_and_aphelion(
    start: str, published: str, extreme: str, published_au: float
) -> None:
    """Hourly scan of a week: the extreme distance is within 0.0005 AU of the
    published value and falls within 2.5 days of the published instant."""
    whole, _ = julian(start)
    hours = np.arange(7 * 24)
    dist = np.array([_core.sun_ephemeris(whole, h / 24.0)["distance_m"] for h in hours]) / AU
    k = int(np.argmin(dist) if extreme == "min" else np.argmax(dist))
    assert 0 < k < hours.size - 1, "the extreme must be inside the scanned week"
    assert dist[k] == pytest.approx(published_au, abs=5e-4)
    pw, pf = julian(published)
    assert abs((whole + k / 24.0) - (pw + pf)) <= 2.5


# --------------------------------------------------------------------------- penumbra


def raycast_fraction(r: np.ndarray, sun_m: np.ndarray, n: int = 150) -> float:
    """Visible fraction of a uniformly bright solar disc from r: rays through an
    equal-area polar grid of the disc (as seen from r), tested against the Earth
    sphere in 3-D. Independent of the two-disc overlap formula the core uses."""
    d = sun_m - r
    dist = np.linalg.norm(d)
    dhat = d / dist
    a = math.asin(R_SUN / dist)
    u = np.cross(dhat, [0.0, 0.0, 1.0])
    u /= np.linalg.norm(u)
    w = np.cross(dhat, u)
    rho = a * np.sqrt((np.arange(n) + 0.5) / n)
    phi = (np.arange(4 * n) + 0.5) / (4 * n) * 2 * np.pi
    rr, pp = np.meshgrid(rho, phi)
    dirs = np.cos(rr)[..., None] * dhat + np.sin(rr)[..., None] * (
        np.cos(pp)[..., None] * u + np.sin(pp)[..., None] * w
    )
    dirs = dirs.reshape(-1, 3)
    b = dirs @ r
    disc = b * b - (r @ r - R_E * R_E)
    hit = (disc >= 0.0) & (-b - np.sqrt(np.maximum(disc, 0.0)) > 0.0)
    return 1.0 - hit.mean()


@pytest.mark.parametrize("alt_m", [400e3, 1200e3, 20000e3])
def test_illuminated_fraction_against_ray_casting(alt_m: float) -> None:
    """Across the shadow boundary: 1 in sunlight, 0 in the umbra, the penumbra within
    0.001 of ray casting (the grid resolves the disc to ~1e-4; the core's flat
    two-disc overlap differs from spherical geometry by ~a*b ~ 1e-4), and monotone."""
    sun = _core.sun_ephemeris(*julian("2024-03-20T03:06Z"))
    sun_m = np.array(sun["direction"]) * sun["distance_m"]
    shat = sun_m / np.linalg.norm(sun_m)
    perp = np.cross(shat, [0.0, 0.0, 1.0])
    perp /= np.linalg.norm(perp)
    radius = R_E + alt_m
    edge = math.asin(R_E / radius)  # angle from the anti-Sun axis at the shadow edge
    offsets = np.linspace(-0.01, 0.01, 11)
    pts = np.array(
        [radius * (-math.cos(edge + x) * shat + math.sin(edge + x) * perp) for x in offsets]
    )
    got = _core.illuminated_fraction(pts, sun_m)
    ref = np.array([raycast_fraction(p, sun_m) for p in pts])
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-3)
    assert got[0] == 0.0 and got[-1] == 1.0
    assert np.all(np.diff(got) >= 0.0)
    assert ((got > 0) & (got < 1)).sum() >= 3  # the penumbra is resolved, not a step
    # deep shadow and full sunlight are exact
    assert _core.illuminated_fraction(-radius * shat[None, :], sun_m)[0] == 0.0
    assert _core.illuminated_fraction(radius * shat[None, :], sun_m)[0] == 1.0


# --------------------------------------------------------------------------- eclipses

EQUINOX = "2024-03-20T03:06:00Z"  # the Sun on the equator: polar planes reach any beta


def eclipse_formula(beta: np.ndarray, alt_m: float) -> np.ndarray:
    """Cylindrical-shadow eclipse fraction of a circular orbit at beta angle beta."""
    k = math.sqrt(alt_m**2 + 2 * R_E * alt_m) / (R_E + alt_m)
    beta_star = math.asin(R_E / (R_E + alt_m))
    inside = np.abs(beta) < beta_star
    ratio = np.minimum(1.0, k / np.cos(np.where(inside, beta, 0.0)))
    return np.where(inside, np.arccos(ratio) / np.pi, 0.0)


@pytest.mark.parametrize("alt_m", [400e3, 550e3, 1200e3])
def test_eclipse_fraction_matches_beta_angle_formula(collect, alt_m: float) -> None:
    """Time average of (1 - illumination) over one orbit vs
    f = acos(sqrt(h^2 + 2 R h) / ((R + h) cos beta)) / pi for |beta| < beta*, else 0.

    Polar circular orbits (no nodal precession, so the plane keeps its beta but for
    the Sun's own motion) starting at orbit noon, sampled every 5 s; beta is read
    from sun.beta_angle at mid-eclipse. Tolerance 5e-4 of the orbit (~3 s): the
    conical shadow with penumbra integrates to the cylinder within ~0.1 s per edge
    (the point-source shadow widens by R^2/AU ~ 0.3 km, the limb curvature
    asymmetry is ~a^2/b ~ 1e-5 rad), the rectangle rule over a ~10 s penumbra at
    5 s errs by <~0.5 s per edge, and the Sun's motion (0.04 deg/h) changes beta
    and the in-plane rate by < 1e-4 over an orbit. Beyond beta* there is no eclipse
    and no penumbra: illumination is exactly 1.
    """
    beta_star = math.asin(R_E / (R_E + alt_m))
    beta_target = np.concatenate(
        [
            np.array([0.0, 0.25, 0.5, 0.75, 0.9, 0.97, -0.6]) * beta_star,
            [beta_star + math.radians(1.5), beta_star + math.radians(10.0)],
        ]
    )
    ep = ow.parse_epoch(EQUINOX)
    sun = _core.sun_ephemeris(ep.jd_whole, ep.jd_fraction)
    s = np.array(sun["direction"])
    ra, dec = math.atan2(s[1], s[0]), math.asin(s[2])
    raan = ra + np.arcsin(np.sin(beta_target) / math.cos(dec))  # polar: h = (sin W, -cos W, 0)
    nodes = np.stack([np.cos(raan), np.sin(raan), np.zeros_like(raan)], -1)
    normals = np.stack([np.sin(raan), -np.cos(raan), np.zeros_like(raan)], -1)
    in_plane = np.cross(normals, nodes)
    u_noon = np.arctan2(in_plane @ s, nodes @ s)  # argument of latitude closest to the Sun
    el = ow.elements(
        altitude_m=alt_m,
        inclination_deg=90.0,
        raan_deg=np.degrees(raan) % 360.0,
        mean_anomaly_deg=np.degrees(u_noon) % 360.0,
    )
    mdot, _, argp_dot = _core.j2_secular_rates(R_E + alt_m, 0.0, math.pi / 2)
    period = 2 * math.pi / (mdot + argp_dot)  # [s] node to node

    dt = 5.0
    tw = ow.Twin(EQUINOX, step=f"{dt}s")
    tw.add_fleet("polar", el)
    channels = ["sun.illumination", "sun.beta_angle", "orbit.position"]
    t_ns, frames = collect(tw, channels, f"{dt}s", int((period // dt + 2) * dt) * NS)
    t = t_ns / 1e9
    illum = frames[(0, "sun.illumination")]
    beta = frames[(0, "sun.beta_angle")]
    one_orbit = t < period

    # beta channel: the Sun's elevation above the (fixed, polar) plane, computed here
    suns = np.array(
        [_core.sun_ephemeris(ep.jd_whole, ep.jd_fraction + x / 86400.0)["direction"] for x in t]
    )
    np.testing.assert_allclose(beta, np.arcsin(suns @ normals.T), rtol=0, atol=1e-9)

    # The kernel's fast sunlit/umbra classification agrees with the exact function.
    # 1e-8: in the penumbra the overlap formula subtracts O(1) terms to get an O(1e-5)
    # area and takes acos near 1, so the two compiled call sites differ at ~1e-9.
    pos = frames[(0, "orbit.position")]
    for k in range(0, t.size, 7):
        dist = _core.sun_ephemeris(ep.jd_whole, ep.jd_fraction + t[k] / 86400.0)["distance_m"]
        exact = _core.illuminated_fraction(np.ascontiguousarray(pos[k]), suns[k] * dist)
        np.testing.assert_allclose(illum[k], exact, rtol=0, atol=1e-8)

    mid = np.argmin(np.abs(t - period / 2))  # the eclipse is centred on orbit midnight
    measured = dt * np.sum((1.0 - illum) * one_orbit[:, None], axis=0) / period
    expected = eclipse_formula(beta[mid], alt_m)
    np.testing.assert_allclose(measured, expected, rtol=0, atol=5e-4)
    assert np.all(expected[:7] > 0.05)  # the cases below beta* do eclipse
    beyond = np.abs(beta[mid]) > beta_star
    assert beyond.sum() == 2
    assert np.all(illum[:, beyond] == 1.0)
