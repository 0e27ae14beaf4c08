"""Validation of the orbit layer: J2 secular rates, sun-synchronous orbits, the Kepler
solve, velocities, TLE (SGP4) fleets, Earth rotation (GMST) and geodetic coordinates.

Every reference here is independent of the code under test: closed-form J2 rates,
published figures, a numpy Kepler propagator, the ``sgp4`` package, exact rational
arithmetic and the closed-form geodetic -> ECEF transform.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import orbitwin as ow
from orbitwin import _core
from orbitwin.validation.orbit import (
    PRECESSION_CASES,
    SSO_PUBLISHED,
    ascending_nodes,
    closed_form_rates,
    crossings,
    gmst_vs_gstime,
    nodal_precession,
)

MU = 3.986004418e14  # [m^3/s^2] WGS-84
R_E = 6378137.0  # [m] WGS-84 equatorial radius
J2 = 1.08262668e-3  # [-]
FLATTENING = 1.0 / 298.257223563  # [-] WGS-84
E2 = FLATTENING * (2.0 - FLATTENING)  # [-] first eccentricity squared
TROPICAL_YEAR_S = 365.2422 * 86400.0  # [s]
NS = 1_000_000_000
DAY_NS = 86400 * NS
EPOCH = "2024-05-13T00:00:00Z"


# --------------------------------------------------------------------------- helpers


def kepler_numpy(mean_anomaly, e):
    """Eccentric anomaly by plain Newton from Danby's starter (independent of the core)."""
    m = np.remainder(mean_anomaly + np.pi, 2 * np.pi) - np.pi
    big_e = m + 0.85 * e * np.sign(np.sin(m))
    for _ in range(60):
        big_e = big_e - (big_e - e * np.sin(big_e) - m) / (1.0 - e * np.cos(big_e))
    return big_e


def reference_positions(el: ow.ElementSet, t_s: float) -> np.ndarray:
    """Positions [m] of mean elements propagated in numpy with the core's J2 rates."""
    a, e, inc = el.semi_major_axis_m, el.eccentricity, el.inclination_rad
    rates = np.array([_core.j2_secular_rates(a[k], e[k], inc[k]) for k in range(a.size)])
    big_e = kepler_numpy(el.mean_anomaly_rad + rates[:, 0] * t_s, e)
    raan = el.raan_rad + rates[:, 1] * t_s
    argp = el.arg_perigee_rad + rates[:, 2] * t_s
    x = a * (np.cos(big_e) - e)
    y = a * np.sqrt(1.0 - e * e) * np.sin(big_e)
    co, so, cw, sw = np.cos(raan), np.sin(raan), np.cos(argp), np.sin(argp)
    ci, si = np.cos(inc), np.sin(inc)
    p = np.stack([co * cw - so * sw * ci, so * cw + co * sw * ci, sw * si], -1)
    q = np.stack([-co * sw - so * cw * ci, -so * sw + co * cw * ci, cw * si], -1)
    return x[:, None] * p + y[:, None] * q


def geodetic_to_ecef(lat, lon, h):
    """Closed-form WGS-84 geodetic -> Earth-fixed Cartesian [m]."""
    n = R_E / np.sqrt(1.0 - E2 * np.sin(lat) ** 2)
    return np.stack(
        [
            (n + h) * np.cos(lat) * np.cos(lon),
            (n + h) * np.cos(lat) * np.sin(lon),
            (n * (1.0 - E2) + h) * np.sin(lat),
        ],
        -1,
    )


def ecef_to_geodetic(r):
    """Earth-fixed Cartesian -> WGS-84 geodetic by fixed-point iteration (to convergence)."""
    x, y, z = r[:, 0], r[:, 1], r[:, 2]
    p = np.hypot(x, y)
    lat = np.arctan2(z, p * (1.0 - E2))
    for _ in range(30):
        n = R_E / np.sqrt(1.0 - E2 * np.sin(lat) ** 2)
        h = p * np.cos(lat) + z * np.sin(lat) - R_E * np.sqrt(1.0 - E2 * np.sin(lat) ** 2)
        lat = np.arctan2(z, p * (1.0 - E2 * n / (n + h)))
    n = R_E / np.sqrt(1.0 - E2 * np.sin(lat) ** 2)
    h = p * np.cos(lat) + z * np.sin(lat) - R_E * np.sqrt(1.0 - E2 * np.sin(lat) ** 2)
    return lat, np.arctan2(y, x), h


def wrap(x):
    return np.remainder(x + np.pi, 2 * np.pi) - np.pi


# --------------------------------------------------------------------------- J2 secular rates


def test_j2_nodal_precession_matches_closed_form() -> None:
    """RAAN drift measured from the propagated positions over 3 days vs -3/2 n J2 (R/p)^2 cos i
    (validation case ``orbit.j2_nodal_precession``, which locates the ascending nodes).

    Tolerance: the accumulated RAAN may differ by at most 1e-8 rad over the run
    (the node positions are located to < 1 mm, i.e. ~1e-10 rad, and the model's
    drift is exactly linear); a wrong rate coefficient (e.g. J2-corrected n, or
    R = 6371 km) would be off by > 1e-4 rad.
    """
    d = nodal_precession()
    assert (d["nodes"] >= 35).all()
    assert np.all(np.abs(d["measured"] - d["expected"]) * d["span"] <= 1e-8)
    # secular: every node lies on the straight line (no drift in the rate)
    assert np.all(d["line_residual"] <= 1e-8)
    for k, (alt_km, inc_deg) in enumerate(PRECESSION_CASES):
        # the package's helper is the same closed form
        helper = ow.nodal_precession_rate(R_E + alt_km * 1e3, 0.0, inc_deg)
        assert helper == pytest.approx(d["expected"][k], rel=1e-12, abs=1e-20)


ECCENTRIC = {  # fleet -> [(semi-major axis [m], e, inclination [deg])]
    "fast": [(7500e3, 0.05, 30.0), (7500e3, 0.1, 63.4)],  # vectorised Newton (e <= 0.1)
    "robust": [(10000e3, 0.3, 45.0), (14000e3, 0.45, 110.0)],  # safeguarded solver
}


def test_eccentric_orbits_perigee_and_mean_motion(collect) -> None:
    """Argument-of-perigee drift and anomalistic period of eccentric orbits vs closed form.

    Perigee passages are where r.v rises through 0 (the secular-rate terms of the
    velocity are perpendicular to r, so this is exactly E = 0); omega is the angle
    from the measured line of nodes to the perigee position. Tolerances: omega
    accumulated over 3 days within 1e-6 rad (perigee times are located to ~1e-4 s);
    the mean anomalistic period 2 pi / Mdot within 1e-8 relative; perigee radius
    a (1 - e) within 1 cm (Hermite interpolation at 10 s).
    """
    tw = ow.Twin(EPOCH, step="10s")
    for name, cases in ECCENTRIC.items():
        tw.add_fleet(
            name,
            ow.elements(
                semi_major_axis_m=[c[0] for c in cases],
                eccentricity=[c[1] for c in cases],
                inclination_deg=[c[2] for c in cases],
                raan_deg=[10.0, 200.0],
                arg_perigee_deg=[40.0, 300.0],
                mean_anomaly_deg=[100.0, 250.0],
            ),
        )
    t_ns, frames = collect(tw, ["orbit.position", "orbit.velocity"], "10s", 3 * DAY_NS)
    t = t_ns / 1e9
    for fi, cases in enumerate(ECCENTRIC.values()):
        for k, (a, e, inc_deg) in enumerate(cases):
            r, v = frames[(fi, "orbit.position")][:, k], frames[(fi, "orbit.velocity")][:, k]
            mdot, raan_dot, argp_dot = closed_form_rates(a, e, math.radians(inc_deg))
            tn, raan = ascending_nodes(t, r, v)
            raan_slope, raan0 = np.polyfit(tn, raan, 1)
            assert abs(raan_slope - raan_dot) * (tn[-1] - tn[0]) <= 1e-8

            tp, rp = crossings(t, r, v, lambda rr, vv: np.sum(rr * vv, axis=1))
            assert tp.size >= 10
            np.testing.assert_allclose(np.linalg.norm(rp, axis=1), a * (1 - e), rtol=0, atol=1e-2)
            node = raan0 + raan_slope * tp
            nhat = np.stack([np.cos(node), np.sin(node), np.zeros_like(node)], -1)
            rhat = rp / np.linalg.norm(rp, axis=1, keepdims=True)
            c = np.sum(nhat * rhat, axis=1)
            s = np.linalg.norm(rhat - c[:, None] * nhat, axis=1) * np.sign(rp[:, 2])
            argp = np.unwrap(np.arctan2(s, c))
            span = tp[-1] - tp[0]
            measured = (argp[-1] - argp[0]) / span
            assert abs(measured - argp_dot) * span <= 1e-6, (a, e, inc_deg, measured, argp_dot)

            period = span / (tp.size - 1)
            assert 2 * math.pi / period == pytest.approx(mdot, rel=1e-8)


# --------------------------------------------------------------------------- sun-synchronous


@pytest.mark.parametrize("alt_km", [300, 500, 600, 700, 800, 1000, 1500, 3000, 5000])
def test_sun_synchronous_inclination_closed_form(alt_km: float) -> None:
    """Against cos i = -(2 pi / tropical year) / (3/2 n J2 (R/a)^2), written out here.

    Tolerance 1e-5 deg: the package uses a 365.2421897-day year, this test 365.2422
    days (2.8e-8 relative, at most 2e-6 deg up to 5,000 km).
    """
    a = R_E + alt_km * 1e3
    n = math.sqrt(MU / a**3)
    cos_i = -(2 * math.pi / TROPICAL_YEAR_S) / (1.5 * n * J2 * (R_E / a) ** 2)
    expected = math.degrees(math.acos(cos_i))
    assert ow.sun_synchronous_inclination(alt_km * 1e3) == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize(("alt_km", "published_deg"), SSO_PUBLISHED)
def test_sun_synchronous_inclination_published(alt_km: float, published_deg: float) -> None:
    """Published figures (Landsat 8, SPOT 5, 500-800 km) given to 0.1 deg: 0.05 deg
    (validation case ``orbit.sun_synchronous_inclination``)."""
    assert ow.sun_synchronous_inclination(alt_km * 1e3) == pytest.approx(published_deg, abs=0.05)


def test_sun_synchronous_inclination_rejects_high_orbits() -> None:
    with pytest.raises(ValueError, match="altitude_m is 7000000.0"):
        ow.sun_synchronous_inclination(7000e3)


def test_sso_fleet_raan_follows_the_mean_sun(collect) -> None:
    """An SSO fleet's measured RAAN drift over 5 days is 360 deg / 365.2422 d within 1%."""
    alt = 550e3
    el = ow.walker(6, 3, 1, altitude_m=alt, inclination_deg=ow.sun_synchronous_inclination(alt))
    tw = ow.Twin(EPOCH, step="30s")
    tw.add_fleet("sso", el)
    t_ns, frames = collect(tw, ["orbit.position", "orbit.velocity"], "30s", 5 * DAY_NS)
    t = t_ns / 1e9
    expected = 2 * math.pi / TROPICAL_YEAR_S
    for k in range(len(el)):
        tc, raan = ascending_nodes(
            t, frames[(0, "orbit.position")][:, k], frames[(0, "orbit.velocity")][:, k]
        )
        assert tc.size >= 70
        measured = (raan[-1] - raan[0]) / (tc[-1] - tc[0])
        assert measured == pytest.approx(expected, rel=0.01)


# --------------------------------------------------------------------------- Kepler solve


def kepler_residual(m, e, big_e):
    return wrap(big_e - e * np.sin(big_e) - m)


def test_solve_kepler_residual_grid() -> None:
    """|E - e sin E - M| <= 1e-13 over e in [0, 0.999] x M in [-pi, pi] and beyond, and
    E in [-pi, pi] up to the rounding of the reduction (4 ulp of pi)."""
    e = np.linspace(0.0, 0.999, 1000)
    m = np.concatenate(
        [
            np.linspace(-np.pi, np.pi, 1001),
            [0.0, -0.0, 5e-324, 1e-300, -1e-300, 1e-12, -1e-12, np.nextafter(np.pi, 0.0)],
            [3 * np.pi, -7.5, 20.25, -40.0],
        ]
    )
    ee, mm = (x.ravel() for x in np.meshgrid(e, m))
    big_e = _core.solve_kepler(mm, ee)
    assert np.abs(kepler_residual(mm, ee, big_e)).max() <= 1e-13
    assert np.all(np.abs(big_e) <= np.pi + 4 * np.spacing(np.pi))


@settings(max_examples=200, deadline=None)
@given(
    m=st.floats(-50.0, 50.0, allow_nan=False),
    e=st.floats(0.0, 0.999, allow_nan=False),
)
def test_solve_kepler_residual_property(m: float, e: float) -> None:
    big_e = _core.solve_kepler(np.array([m]), np.array([e]))
    assert abs(kepler_residual(m, e, big_e[0])) <= 1e-13


@pytest.mark.parametrize("bad_e", [1.0, 1.5, -0.01, float("nan")])
def test_solve_kepler_rejects_bad_eccentricity(bad_e: float) -> None:
    with pytest.raises(ValueError, match="eccentricity"):
        _core.solve_kepler(np.array([0.3]), np.array([bad_e]))


@pytest.mark.parametrize("e_max", [0.0, 0.01, 0.1, 0.5, 0.9])
def test_positions_match_independent_kepler_propagation(e_max: float) -> None:
    """Fleets (150 satellites, 3 core blocks) vs numpy Kepler propagation of the same
    mean elements with the same J2 rates: < 1 mm up to 30 days.

    e <= 0.1 takes the core's vectorised fixed-iteration solve, larger e the
    safeguarded one. Both agree with numpy to ~1 um (rounding of M0 + n t).
    """
    rng = np.random.default_rng(int(e_max * 1000) + 7)
    n = 150
    e = rng.uniform(0.0, e_max, n)
    e[0] = e_max  # the boundary itself
    a = (R_E + rng.uniform(300e3, 2000e3, n)) / (1.0 - e)
    el = ow.elements(
        semi_major_axis_m=a,
        eccentricity=e,
        inclination_deg=rng.uniform(0.0, 180.0, n),
        raan_deg=rng.uniform(0.0, 360.0, n),
        arg_perigee_deg=rng.uniform(0.0, 360.0, n),
        mean_anomaly_deg=rng.uniform(0.0, 360.0, n),
    )
    tw = ow.Twin(EPOCH, step="6h")  # analytic in time: the step does not change positions
    pos = tw.add_fleet("k", el).state("orbit.position")
    for target in (0, 1_234_567_891, DAY_NS, 30 * DAY_NS + 123):
        tw.advance(target)
        err = np.linalg.norm(pos - reference_positions(el, target / 1e9), axis=1)
        assert err.max() < 1e-3, (target, err.max())


def test_velocity_is_time_derivative_of_position(starlink_snapshot) -> None:
    """Central difference of positions over +-0.5 s vs orbit.velocity.

    Mean elements: <= 1e-6 relative (truncation h^2/6 |r'''| / |v| <= 2e-7 for
    e <= 0.3). TLE fleets: <= 1e-5 relative, because SGP4's own velocity is not
    the exact derivative of its position (~2e-6 on this snapshot); a unit or
    sample mix-up would be off by orders of magnitude.
    """
    rng = np.random.default_rng(5)
    n = 70
    e = np.concatenate([np.zeros(10), rng.uniform(0.0, 0.3, n - 10)])
    el = ow.elements(
        semi_major_axis_m=(R_E + rng.uniform(300e3, 1500e3, n)) / (1.0 - e),
        eccentricity=e,
        inclination_deg=rng.uniform(0.0, 180.0, n),
        raan_deg=rng.uniform(0.0, 360.0, n),
        arg_perigee_deg=rng.uniform(0.0, 360.0, n),
        mean_anomaly_deg=rng.uniform(0.0, 360.0, n),
    )
    tles = starlink_snapshot.select(np.arange(0, len(starlink_snapshot), 400))
    for orbits, tol in ((el, 1e-6), (tles, 1e-5)):
        tw = ow.Twin(EPOCH, step="60s")
        f = tw.add_fleet("v", orbits)
        pos, vel = f.state("orbit.position"), f.state("orbit.velocity")
        for t in (3600 * NS, DAY_NS + 7):
            tw.advance(t - NS // 2)
            r0 = pos.copy()
            tw.advance(t)
            v = vel.copy()
            tw.advance(t + NS // 2)
            fd = pos - r0  # over 1 s
            rel = np.linalg.norm(fd - v, axis=1) / np.linalg.norm(v, axis=1)
            assert rel.max() <= tol, (type(orbits).__name__, t, rel.max())


# --------------------------------------------------------------------------- TLE fleets

STARLINK_2601 = "STARLINK-2601"  # re-entering: SGP4 reports an error from the epoch on


@pytest.mark.parametrize("epoch", [EPOCH, "2024-05-12T17:33:20.25Z"])
def test_tle_fleet_positions_equal_sgp4(starlink_snapshot, epoch: str) -> None:
    """Positions and velocities in the twin equal sgp4's Satrec.sgp4 to < 1 mm and
    < 1 um/s (the only difference is how the Julian date is split: ~1e-7 m)."""
    idx = [0, 1, 100, 1237, 2500, 4000, len(starlink_snapshot) - 1]
    tles = starlink_snapshot.select(idx)
    tw = ow.Twin(epoch, step="600s")
    f = tw.add_fleet("s", tles, ephemeris_steps=8)  # several refills over the run
    pos, vel = f.state("orbit.position"), f.state("orbit.velocity")
    ep = tw.epoch
    for target in (0, 600 * NS, 3 * 3600 * NS + 17 * NS + 5, DAY_NS):
        tw.advance(target)
        for k, sat in enumerate(tles.satrecs):
            err, r_km, v_km_s = sat.sgp4(ep.jd_whole, ep.jd_fraction + target / (86400.0 * NS))
            assert err == 0
            np.testing.assert_allclose(pos[k], np.array(r_km) * 1e3, rtol=0, atol=1e-3)
            np.testing.assert_allclose(vel[k], np.array(v_km_s) * 1e3, rtol=0, atol=1e-6)
        assert not f.state("status.flags").any()


def test_starlink_snapshot_propagates_for_a_day(starlink_snapshot) -> None:
    """All 5,236 satellites for a day at a 600 s step: sane altitudes, and the one
    satellite SGP4 rejects (STARLINK-2601, re-entering) is flagged (status bit 0)
    with NaN position and velocity instead of raising."""
    bad = starlink_snapshot.names.index(STARLINK_2601)
    tw = ow.Twin(EPOCH, step="600s")
    f = tw.add_fleet("starlink", starlink_snapshot)
    flags, pos, vel, alt = (
        f.state(c) for c in ("status.flags", "orbit.position", "orbit.velocity", "orbit.altitude")
    )
    ever_flagged = np.zeros(len(starlink_snapshot), dtype=bool)
    for _ in range(4):
        tw.advance(by="6h")
        ever_flagged |= (flags & 1).astype(bool)
        ok = (flags & 1) == 0
        assert np.isfinite(pos[ok]).all() and np.isfinite(vel[ok]).all()
        # Starlink shells 300-600 km, a few lower (raising or decaying) or higher
        assert 150e3 < alt[ok].min() and alt[ok].max() < 1200e3
        assert 400e3 < np.median(alt[ok]) < 600e3
        speed = np.linalg.norm(vel[ok], axis=1)
        assert 7.0e3 < speed.min() and speed.max() < 8.0e3
    assert tw.time_ns == DAY_NS
    assert np.flatnonzero(ever_flagged).tolist() == [bad]
    assert flags[bad] & 1
    assert np.isnan(pos[bad]).all() and np.isnan(vel[bad]).all()


def test_flagged_satellite_has_no_plausible_derived_state(starlink_snapshot) -> None:
    """A satellite with no valid orbit must not report a plausible location: every
    derived float channel is NaN (here latitude, longitude and beta angle read 0.0)."""
    bad = starlink_snapshot.names.index(STARLINK_2601)
    tw = ow.Twin(EPOCH, step="600s")
    f = tw.add_fleet("s", starlink_snapshot.select([0, bad]))
    tw.advance(by="10min")
    assert f.state("status.flags")[1] & 1
    for ch in (
        "orbit.latitude",
        "orbit.longitude",
        "orbit.altitude",
        "sun.illumination",
        "sun.beta_angle",
        "attitude.body_axes",
    ):
        assert np.isnan(f.state(ch)[1]).all(), ch


# --------------------------------------------------------------------------- GMST


def test_gmst_matches_sgp4_gstime_2000_2050() -> None:
    """Against sgp4.propagation.gstime to < 1e-9 rad (validation case
    ``orbit.gmst_vs_sgp4_gstime``)."""
    d = gmst_vs_gstime()
    ours = d["ours"]
    assert np.all((ours >= 0) & (ours < 2 * np.pi))
    assert np.abs(wrap(ours - d["ref"])).max() < 1e-9


def _gmst_exact(jd: Fraction) -> float:
    """IAU 1982 GMST [rad] evaluated in exact rational arithmetic, then rounded."""
    t = (jd - 2451545) / 36525
    seconds = (
        Fraction("67310.54841")
        + (876600 * 3600 + Fraction("8640184.812866")) * t
        + Fraction("0.093104") * t**2
        - Fraction("6.2e-6") * t**3
    )
    return float(seconds % 86400) * (2 * math.pi / 86400)


def test_gmst_vallado_example_3_5_and_exact_evaluation() -> None:
    """Vallado example 3-5: 1992-08-20 12:14 UT1 -> 152.578787810 deg.

    Vallado's figure comes from a one-number JD (its rounding, 4.7e-10 day, is
    2.9e-9 rad of GMST), so it is checked to 1e-7 deg; the same formula in exact
    rational arithmetic must match to 1e-12 rad, here and on dates 2000-2050.
    """
    w, f = 2448854.5, (12 * 60 + 14) / 1440
    got = _core.gmst(np.array([w]), np.array([f]))[0]
    assert math.degrees(got) == pytest.approx(152.578787810, abs=1e-7)
    assert abs(wrap(got - _gmst_exact(Fraction(w) + Fraction(f)))) <= 1e-12
    rng = np.random.default_rng(3)
    whole = 2451544.5 + rng.integers(0, 18628, 20).astype(float)
    frac = rng.uniform(0.0, 1.0, 20)
    got = _core.gmst(whole, frac)
    for k in range(20):
        exact = _gmst_exact(Fraction(whole[k]) + Fraction(frac[k]))
        assert abs(wrap(got[k] - exact)) <= 1e-12


# --------------------------------------------------------------------------- geodetic


def test_geodetic_of_known_points() -> None:
    """Points built from known (lat, lon, h) by the closed-form forward transform,
    rotated to the inertial frame with GMST and injected as an ephemeris: the core
    returns the same geodetic coordinates to <= 1e-9 rad and <= 1 mm (heights
    from -1 km to 40,000 km, poles and the date line included)."""
    rng = np.random.default_rng(2)
    lat = np.concatenate(
        [rng.uniform(-np.pi / 2, np.pi / 2, 300), np.radians([0, 90, -90, 89.9999, -89.9999, 45])]
    )
    lon = np.concatenate(
        [rng.uniform(-np.pi, np.pi, 300), np.radians([0, 0, 0, 10, -170, 179.9999999])]
    )
    h = np.concatenate([rng.uniform(0.0, 40000e3, 300), [-1000.0, 500e3, 200e3, 1200e3, 36e6, 0]])
    ecef = geodetic_to_ecef(lat, lon, h)

    ep = ow.parse_epoch(EPOCH)
    t_ns = 12345 * NS + 678
    theta = _core.gmst(np.array([ep.jd_whole]), np.array([ep.jd_fraction + t_ns / 86400e9]))[0]
    c, s = math.cos(theta), math.sin(theta)
    inertial = np.stack(
        [c * ecef[:, 0] - s * ecef[:, 1], s * ecef[:, 0] + c * ecef[:, 1], ecef[:, 2]], -1
    )

    core = _core.Twin(ep.jd_whole, ep.jd_fraction, t_ns)  # one step lands on t_ns
    f = core.add_fleet("points", lat.size, _core.OrbitSource.EPHEMERIS, 2)
    t_buf, r_buf, v_buf = f.ephemeris_buffers()
    t_buf[:2] = [0, t_ns]
    r_buf[:, 0] = [7e6, 0.0, 0.0]
    v_buf[:, 0] = [0.0, 7e3, 0.0]
    r_buf[:, 1] = inertial
    v_buf[:, 1] = [0.0, 7e3, 1e3]
    f.set_ephemeris_count(2)
    assert core.start()
    assert core.advance(t_ns).reason == _core.StopReason.REACHED

    got_lat, got_lon, got_h = (
        f.view(ch) for ch in ("orbit.latitude", "orbit.longitude", "orbit.altitude")
    )
    np.testing.assert_allclose(got_lat, lat, rtol=0, atol=1e-9)
    np.testing.assert_allclose(got_h, h, rtol=0, atol=1e-3)
    defined = np.abs(lat) < np.radians(89.99)  # longitude is undefined at the poles
    assert np.abs(wrap(got_lon - lon)[defined]).max() <= 1e-9
    assert np.all((got_lon >= -np.pi) & (got_lon <= np.pi))


def test_geodetic_of_propagated_fleet_matches_numpy() -> None:
    """Latitude/longitude/altitude of a propagated fleet vs an iterative numpy
    conversion of orbit.position rotated by GMST: <= 1e-9 rad and <= 1 mm."""
    # the numpy reference first proves itself on the closed-form forward transform
    rng = np.random.default_rng(9)
    lat0, lon0 = rng.uniform(-1.5, 1.5, 200), rng.uniform(-3.1, 3.1, 200)
    h0 = rng.uniform(0.0, 3000e3, 200)
    lat1, lon1, h1 = ecef_to_geodetic(geodetic_to_ecef(lat0, lon0, h0))
    assert np.abs(lat1 - lat0).max() < 1e-12 and np.abs(h1 - h0).max() < 1e-6

    el = ow.walker(96, 8, 3, altitude_m=550e3, inclination_deg=87.9) + ow.elements(
        semi_major_axis_m=9000e3, eccentricity=0.2, inclination_deg=63.4
    )
    tw = ow.Twin(EPOCH, step="60s")
    f = tw.add_fleet("g", el)
    ep = tw.epoch
    for t_ns in (0, 5_555 * NS, 2 * DAY_NS + 61 * NS):
        tw.advance(t_ns)
        theta = _core.gmst(np.array([ep.jd_whole]), np.array([ep.jd_fraction + t_ns / 86400e9]))[0]
        r = f.state("orbit.position")
        c, s = math.cos(theta), math.sin(theta)
        ecef = np.stack([c * r[:, 0] + s * r[:, 1], -s * r[:, 0] + c * r[:, 1], r[:, 2]], -1)
        lat, lon, h = ecef_to_geodetic(ecef)
        assert np.abs(f.state("orbit.latitude") - lat).max() <= 1e-9
        assert np.abs(wrap(f.state("orbit.longitude") - lon)).max() <= 1e-9
        assert np.abs(f.state("orbit.altitude") - h).max() <= 1e-3
