"""Ground-contact validation: the duration of an overhead pass against the
geometric closed form."""

from __future__ import annotations

import math

import numpy as np

from . import Measurement, case

NS = 10**9
OMEGA_EARTH = 7.292115146706979e-5  #: [rad/s] Earth rotation rate (IERS)


def windows(visible: np.ndarray, t_s: np.ndarray) -> list[tuple[float, float]]:
    """Complete contact windows (rise, set) [s] of a 0/1 series sampled at ``t_s``."""
    edges = np.diff(visible.astype(int))
    rises, sets = np.flatnonzero(edges == 1) + 1, np.flatnonzero(edges == -1) + 1
    return [(t_s[r], t_s[s]) for r in rises for s in sets[sets > r][:1]]


def overhead_pass(altitude_km: float, mask_deg: float) -> dict[str, float]:
    """An equatorial circular orbit at ``altitude_km`` over an equatorial station with
    an elevation mask ``mask_deg``, sampled at 1 s for 3 h. Returns the first complete
    pass's ``measured`` duration [s], the closed form ``expected`` = 2 lambda /
    (u' - omega_E) [s] with the Earth central angle lambda = acos(R cos(eps) / (R + h))
    - eps, and the highest elevation ``max_elevation_deg`` during the pass."""
    import orbitwin as ow
    from orbitwin.constellations import EARTH_RADIUS_M

    h = altitude_km * 1e3
    tw = ow.Twin("2024-05-13T00:00:00Z", step="1s")
    orbits = ow.elements(altitude_m=h, inclination_deg=0.0, mean_anomaly_deg=0.0)
    tw.add_fleet("eq", orbits)
    tw.set_ground_stations([ow.GroundStation("Equator", 0.0, 0.0, 0.0, mask_deg)])
    frames = []
    tw.record(
        every="1s",
        channels=["ground.visible", "ground.elevation"],
        sink=lambda t, b: frames.append(
            (
                t.copy(),
                b[(0, "ground.visible")][:, 0, 0].copy(),
                b[(0, "ground.elevation")][:, 0, 0].copy(),
            )
        ),
        capacity=4096,
    )
    tw.advance(by="3h")
    tw.flush()
    t = np.concatenate([f[0] for f in frames]) / NS
    vis = np.concatenate([f[1] for f in frames])
    el = np.concatenate([f[2] for f in frames])
    found = windows(vis, t)
    if not found:
        return {"measured": float("nan"), "expected": float("nan"), "max_elevation_deg": 0.0}
    rise, set_ = found[0]
    eps = math.radians(mask_deg)
    lam = math.acos(EARTH_RADIUS_M * math.cos(eps) / (EARTH_RADIUS_M + h)) - eps
    mdot, raandot, argpdot = ow._core.j2_secular_rates(EARTH_RADIUS_M + h, 0.0, 0.0)
    in_pass = (t >= rise) & (t < set_)
    return {
        "measured": float(set_ - rise),
        "expected": 2 * lam / (mdot + raandot + argpdot - OMEGA_EARTH),
        "max_elevation_deg": float(math.degrees(el[in_pass].max())),
    }


#: (altitude [km], elevation mask [deg]) of the pass cases.
PASS_CASES: tuple[tuple[float, float], ...] = ((550.0, 10.0), (1200.0, 5.0), (400.0, 25.0))


def _pass_case(cases: tuple[tuple[float, float], ...]) -> Measurement:
    worst = 0.0
    details = {}
    for alt, mask in cases:
        d = overhead_pass(alt, mask)
        worst = max(worst, abs(d["measured"] - d["expected"]))
        if abs(d["max_elevation_deg"] - 90.0) > 1.0:
            worst = float("inf")
        details[f"{alt:g}km_{mask:g}deg_s"] = d["measured"]
    return Measurement(worst, 2.0, "s", details)


@case(
    "ground",
    "overhead_pass_duration",
    reference="closed form 2 lambda / (u' - omega_E), lambda = acos(R cos e/(R+h)) - e",
)
def overhead_pass_duration() -> Measurement:
    """|pass duration - closed form| [s] of an equatorial overhead pass at 550 km,
    10 deg mask; tolerance 2 s (the 1 s sampling of rise and set, +-1 s each). The
    pass must also reach zenith within 1 deg."""
    return _pass_case(PASS_CASES[:1])


@case(
    "ground",
    "overhead_pass_duration_more",
    reference="pass-duration closed form at 1,200 km / 5 deg and 400 km / 25 deg",
    quick=False,
)
def overhead_pass_duration_more() -> Measurement:
    """As ``overhead_pass_duration`` at 1,200 km (5 deg mask) and 400 km (25 deg)."""
    return _pass_case(PASS_CASES[1:])
