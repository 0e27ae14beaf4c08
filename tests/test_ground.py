"""Ground stations: the duration of an overhead pass against the geometric closed
form, consistency of the visibility channels, and clear errors for bad sites."""

from __future__ import annotations

import math
from pathlib import Path

import h5py
import numpy as np
import pytest

import orbitwin as ow
from orbitwin.constellations import EARTH_RADIUS_M
from orbitwin.run import run_scenario

NS = 10**9
OMEGA_EARTH = 7.292115146706979e-5  # [rad/s]


def _windows(visible: np.ndarray, t_s: np.ndarray) -> list[tuple[float, float]]:
    """Complete contact windows (rise, set) of a 0/1 series sampled at t_s."""
    edges = np.diff(visible.astype(int))
    rises, sets = np.flatnonzero(edges == 1) + 1, np.flatnonzero(edges == -1) + 1
    return [(t_s[r], t_s[s]) for r in rises for s in sets[sets > r][:1]]


@pytest.mark.parametrize(("altitude_km", "mask_deg"), [(550.0, 10.0), (1200.0, 5.0), (400.0, 25.0)])
def test_overhead_pass_duration_matches_the_closed_form(
    altitude_km: float, mask_deg: float
) -> None:
    """Equatorial circular orbit over an equatorial station: the pass lasts
    2 lambda / (u' - omega_E) with the Earth central angle
    lambda = acos(R cos(eps) / (R + h)) - eps. Tolerance 2 s: the 1 s sampling of
    rise and set (+-1 s each)."""
    h = altitude_km * 1e3
    tw = ow.Twin("2024-05-13T00:00:00Z", step="1s")
    orbits = ow.elements(altitude_m=h, inclination_deg=0.0, mean_anomaly_deg=0.0)
    fleet = tw.add_fleet("eq", orbits)
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
    windows = _windows(vis, t)
    assert windows, "no complete pass in 3 h"
    rise, set_ = windows[0]
    eps = math.radians(mask_deg)
    lam = math.acos(EARTH_RADIUS_M * math.cos(eps) / (EARTH_RADIUS_M + h)) - eps
    mdot, raandot, argpdot = ow._core.j2_secular_rates(EARTH_RADIUS_M + h, 0.0, 0.0)
    duration = 2 * lam / (mdot + raandot + argpdot - OMEGA_EARTH)
    assert set_ - rise == pytest.approx(duration, abs=2.0)
    in_pass = (t >= rise) & (t < set_)
    # Zenith is crossed between samples: at most half a second of a ~1 deg/s sweep.
    assert math.degrees(el[in_pass].max()) == pytest.approx(90.0, abs=1.0)
    assert fleet.size == 1


def test_visibility_channels_agree_with_each_other() -> None:
    tw = ow.Twin("2024-05-13T00:00:00Z", step="30s")
    fleet = tw.add_fleet("w", ow.walker(120, 12, 1, altitude_m=550e3, inclination_deg=53.0))
    tw.set_ground_stations(ow.DEFAULT_STATIONS)
    seen_any = 0
    for _ in range(12):
        tw.advance(by="10min")
        el = fleet.state("ground.elevation")
        vis = fleet.state("ground.visible")
        best = fleet.state("ground.best_station")
        masks = np.radians([s.min_elevation_deg for s in ow.DEFAULT_STATIONS])
        assert np.array_equal(vis == 1, el >= masks - 1e-12)
        masked = np.where(vis == 1, el, -np.inf)
        expected = np.where(vis.any(axis=1), masked.argmax(axis=1), -1)
        assert np.array_equal(best, expected)
        seen_any += int(vis.any())
    assert seen_any > 0


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"latitude_deg": 91.0}, "latitude_deg is 91.0"),
        ({"longitude_deg": float("nan")}, "longitude_deg"),
        ({"min_elevation_deg": 95.0}, "min_elevation_deg is 95.0"),
        ({"altitude_m": 20000.0}, "altitude_m is 20000.0"),
    ],
)
def test_bad_stations_name_the_field(kwargs: dict, words: str) -> None:
    base = {"name": "X", "latitude_deg": 10.0, "longitude_deg": 20.0}
    base.update(kwargs)
    with pytest.raises(ValueError, match=words):
        ow.GroundStation(**base)


def test_default_stations_are_real_distinct_sites() -> None:
    names = [s.name for s in ow.DEFAULT_STATIONS]
    assert len(names) == len(set(names)) >= 8
    assert any(s.latitude_deg > 75 for s in ow.DEFAULT_STATIONS)  # Svalbard
    assert any(s.latitude_deg < -70 for s in ow.DEFAULT_STATIONS)  # Troll


def test_stations_are_in_the_file(tmp_path: Path) -> None:
    scenario = ow.Scenario(
        name="gs",
        epoch="2024-05-13T00:00:00Z",
        duration="30min",
        channels=("orbit.altitude", "ground.visible", "ground.best_station"),
        ground_stations=ow.DEFAULT_STATIONS[:4],
    )
    scenario.add_fleet("w", ow.walker(60, 6, 1, altitude_m=550e3, inclination_deg=87.0))
    result = run_scenario(scenario, tmp_path / "gs.h5", progress=False)
    with h5py.File(result.path) as f:
        assert f["ground__visible"].shape == (31, 60, 4)
        assert [n.decode() for n in f["station_name"][...]] == [
            s.name for s in ow.DEFAULT_STATIONS[:4]
        ]
        assert f["ground__visible"][...].any()
        assert np.allclose(
            f["station_latitude"][...], [s.latitude_deg for s in ow.DEFAULT_STATIONS[:4]]
        )
        assert f["station_longitude"].attrs["units"] == "degrees_east"
