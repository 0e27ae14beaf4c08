"""Validation of the Sun and the Earth's shadow: the analytic solar ephemeris against
published equinox/solstice instants, Meeus and the perihelion/aphelion distances;
the penumbra model against ray casting; eclipse durations of circular orbits against
the closed-form beta-angle formula; the beta-angle channel.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from orbitwin import _core
from orbitwin.validation import sun as vsun
from orbitwin.validation.sun import AU, SEASONS, julian


@pytest.mark.parametrize(("iso", "longitude_deg"), SEASONS)
def test_sun_longitude_at_equinoxes_and_solstices(iso: str, longitude_deg: float) -> None:
    """Apparent ecliptic longitude within 0.02 deg (the validation case
    ``sun.equinox_solstice_longitude`` runs every instant; this checks each one and
    the direction's geometry)."""
    assert vsun.season_longitude_error_deg(iso, longitude_deg) <= 0.02
    sun = _core.sun_ephemeris(*julian(iso))
    lam = math.degrees(sun["ecliptic_longitude_rad"])
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
    """Meeus example 25.a: angles within 0.01 deg, distance within 1e-4 AU
    (validation case ``sun.meeus_example_25a``)."""
    e = vsun.meeus_25a_errors()
    assert max(e["longitude_deg"], e["ra_deg"], e["dec_deg"]) <= 0.01
    assert e["distance_au"] <= 1e-4


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


@pytest.mark.parametrize("alt_m", [400e3, 1200e3, 20000e3])
def test_illuminated_fraction_against_ray_casting(alt_m: float) -> None:
    """Across the shadow boundary: 1 in sunlight, 0 in the umbra, the penumbra within
    0.001 of ray casting (validation case ``eclipse.penumbra_vs_raycast``), and monotone."""
    p = vsun.penumbra_profile(alt_m)
    got = p["got"]
    np.testing.assert_allclose(got, p["ref"], rtol=0, atol=1e-3)
    assert got[0] == 0.0 and got[-1] == 1.0
    assert np.all(np.diff(got) >= 0.0)
    assert ((got > 0) & (got < 1)).sum() >= 3  # the penumbra is resolved, not a step
    # deep shadow and full sunlight are exact
    assert p["deep"][0] == 0.0
    assert p["noon"][0] == 1.0


@pytest.mark.skipif(
    np.finfo(np.longdouble).eps > 1e-18, reason="numpy's longdouble is not extended here"
)
@pytest.mark.parametrize("alt_m", [400e3, 550e3, 1200e3, 20000e3])
def test_illuminated_fraction_against_extended_precision(alt_m: float) -> None:
    """Across the penumbra, within 1e-11 of the textbook overlap in 80-bit precision
    (validation case ``eclipse.penumbra_vs_extended_precision``; the reference's own
    rounding is ~3e-12 there). The textbook form in double precision misses by ~1e-8."""
    p = vsun.penumbra_crossing(alt_m)
    inside = (p["ref"] > 0) & (p["ref"] < 1)
    assert inside.sum() > 500
    np.testing.assert_allclose(p["got"], p["ref"], rtol=0, atol=1e-11)


# --------------------------------------------------------------------------- eclipses


@pytest.mark.parametrize("alt_m", [400e3, 550e3, 1200e3])
def test_eclipse_fraction_matches_beta_angle_formula(alt_m: float) -> None:
    """Time average of (1 - illumination) over one orbit vs the closed form
    (:func:`orbitwin.validation.sun.eclipse_formula`) within 5e-4 of the orbit, for
    polar circular orbits whose beta angles span 0 to beyond beta* (validation cases
    ``eclipse.duration_vs_beta_*``). Also: the beta channel is the Sun's elevation
    above the plane, the kernel's fast classification agrees with the exact
    function, and beyond beta* illumination is exactly 1."""
    d = vsun.eclipse_fractions(alt_m)
    ep, t, illum, beta = d["epoch"], d["t"], d["illumination"], d["beta"]
    suns = np.array(
        [_core.sun_ephemeris(ep.jd_whole, ep.jd_fraction + x / 86400.0)["direction"] for x in t]
    )
    np.testing.assert_allclose(beta, np.arcsin(suns @ d["normals"].T), rtol=0, atol=1e-9)

    # The kernel's fast sunlit/umbra classification agrees with the exact function
    # (the same inline function at both call sites: within rounding).
    pos = d["position"]
    for k in range(0, t.size, 7):
        dist = _core.sun_ephemeris(ep.jd_whole, ep.jd_fraction + t[k] / 86400.0)["distance_m"]
        exact = _core.illuminated_fraction(np.ascontiguousarray(pos[k]), suns[k] * dist)
        np.testing.assert_allclose(illum[k], exact, rtol=0, atol=1e-12)

    expected = d["expected"]
    np.testing.assert_allclose(d["measured"], expected, rtol=0, atol=5e-4)
    assert np.all(expected[:7] > 0.05)  # the cases below beta* do eclipse
    beyond = np.abs(d["beta_mid"]) > d["beta_star"]
    assert beyond.sum() == 2
    assert np.all(illum[:, beyond] == 1.0)
