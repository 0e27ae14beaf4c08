"""Ground stations: the duration of an overhead pass against the geometric closed
form, consistency of the visibility channels, and clear errors for bad sites."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

import orbitwin as ow
from orbitwin.run import run_scenario
from orbitwin.validation.ground import PASS_CASES, overhead_pass


@pytest.mark.parametrize(("altitude_km", "mask_deg"), PASS_CASES)
def test_overhead_pass_duration_matches_the_closed_form(
    altitude_km: float, mask_deg: float
) -> None:
    """Equatorial circular orbit over an equatorial station: the pass lasts
    2 lambda / (u' - omega_E) with the Earth central angle
    lambda = acos(R cos(eps) / (R + h)) - eps, within 2 s (the 1 s sampling of rise
    and set), and reaches zenith within 1 deg (validation cases
    ``ground.overhead_pass_duration*``)."""
    d = overhead_pass(altitude_km, mask_deg)
    assert d["measured"] == pytest.approx(d["expected"], abs=2.0)
    # Zenith is crossed between samples: at most half a second of a ~1 deg/s sweep.
    assert d["max_elevation_deg"] == pytest.approx(90.0, abs=1.0)


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
