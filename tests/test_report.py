"""``orbitwin report``: fleet statistics, worst-satellite ranking, genericity over
channels (a synthetic thermal node channel and a state of charge), the PNG cards,
the event timeline and the self-contained HTML page."""

from __future__ import annotations

import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest

import orbitwin as ow
from orbitwin import faults
from orbitwin.cli import main
from orbitwin.run import run_scenario
from orbitwin.viz.runfile import RunFile

pytest.importorskip("matplotlib")

from orbitwin.viz.report import (  # noqa: E402
    PERCENTILES,
    channel_stats,
    fleet_percentiles,
    rank_worst,
    report_fields,
    worst_is_low,
    write_report,
)


@pytest.fixture(scope="module")
def run_with_extras(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small run with a fault, plus synthetic ``thermal__temperature`` (time, satellite,
    node) [K] and ``power__soc`` [1] written the way the output layer writes channels."""
    sc = ow.Scenario(
        name="report-small",
        epoch="2024-05-13T00:00:00Z",
        duration="100min",
        step="60s",
        output_every="60s",
        seed=5,
        channels=ow.DEFAULT_CHANNELS + ("ground.visible",),
        ground_stations=ow.DEFAULT_STATIONS[:3],
    )
    sc.add_fleet("shell", ow.walker(40, 4, 1, altitude_m=550e3, inclination_deg=53.0))
    sc.process(faults.attitude_loss(at="30min", target=faults.Target("shell", index=[1, 2])))
    sc.process(
        faults.attitude_loss(at="70min", target=faults.Target("shell", index=[9]), mode="safe")
    )
    path = run_scenario(sc, tmp_path_factory.mktemp("report") / "r.h5", progress=False).path
    with h5py.File(path, "r+") as f:
        n_t, n_s = f["orbit__altitude"].shape
        node = f.create_dataset("node", data=np.arange(3, dtype=np.int32))
        node.make_scale("node")
        t = np.arange(n_t)[:, None, None]
        temp = 290.0 + 0.1 * t + np.arange(n_s)[None, :, None] * 0.5 + [0.0, 5.0, -3.0]
        ds = f.create_dataset("thermal__temperature", data=temp)
        ds.attrs.update(
            units="K", long_name="node temperature", orbitwin_channel="thermal.temperature"
        )
        for k, scale in enumerate((f["time"], f["satellite"], node)):
            ds.dims[k].attach_scale(scale)
        soc = np.clip(0.9 - 0.001 * t[..., 0] * (1 + np.arange(n_s)[None, :] % 7), 0.0, 1.0)
        ds = f.create_dataset("power__soc", data=soc)
        ds.attrs.update(
            units="1", long_name="battery state of charge", orbitwin_channel="power.soc"
        )
    return path


def test_fleet_percentiles_match_numpy_and_skip_nan() -> None:
    rng = np.random.default_rng(1)
    v = rng.normal(size=(5, 200))
    np.testing.assert_allclose(fleet_percentiles(v), np.percentile(v, PERCENTILES, axis=1).T)
    v[2, :50] = np.nan
    v[3, :] = np.nan
    p = fleet_percentiles(v)
    np.testing.assert_allclose(p[2], np.percentile(v[2, 50:], PERCENTILES))
    assert np.isnan(p[3]).all()


def test_worst_ranking_direction() -> None:
    extreme = np.array([3.0, np.nan, 9.0, 1.0])
    assert rank_worst(extreme, low_is_worst=False, n=3).tolist() == [2, 0, 3]
    assert rank_worst(extreme, low_is_worst=True, n=3).tolist() == [3, 0, 2]
    ties = np.array([0.0, 0.0, 1.0])  # e.g. illumination: all reach 0; longest in shadow first
    time_mean = np.array([0.7, 0.6, 0.9])
    assert rank_worst(ties, True, tie_break=time_mean).tolist() == [1, 0, 2]


def test_channel_stats_are_generic(run_with_extras: Path) -> None:
    with RunFile(run_with_extras) as run:
        keys = [f.key for f in report_fields(run)]
        assert "thermal.temperature:max" in keys and "power.soc" in keys
        assert "orbit.longitude" not in keys
        temp = run.field("thermal.temperature")
        assert temp.units == "K" and not worst_is_low(temp)
        st = channel_stats(run, temp)
        assert st.worst[0] == run.n_satellites - 1  # the hottest satellite is the last
        assert st.extreme_frame[st.worst[0]] == run.n_frames - 1
        np.testing.assert_allclose(
            st.percentiles[7, 3], np.median(run.raw("thermal__temperature", 7).max(axis=1))
        )
        soc = run.field("power.soc")
        assert worst_is_low(soc)
        st = channel_stats(run, soc)
        assert st.low_is_worst and st.worst[0] % 7 == 6  # the fastest to discharge
        flags = channel_stats(run, run.field("ground.visible"))
        assert flags.is_flag and (flags.percentiles[:, 0] <= 1.0).all()


def test_report_writes_cards_timeline_and_page(run_with_extras: Path, tmp_path: Path) -> None:
    out = tmp_path / "rep"
    assert main(["report", str(run_with_extras), "--out", str(out)]) == 0
    page = out / "index.html"
    text = page.read_text(encoding="utf-8")
    for name in (
        "orbit__altitude",
        "sun__illumination",
        "thermal__temperature",
        "power__soc",
        "ground__visible",
        "events",
    ):
        png = out / f"{name}.png"
        assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f'href="{name}.png"' in text
    assert text.count("data:image/png;base64,") == len(list(out.glob("*.png")))
    assert "attitude_loss" in text and "report-small" in text
    assert "battery state of charge" in text


def test_report_of_a_run_without_events(tmp_path: Path, run_with_extras: Path) -> None:
    copy = tmp_path / "no_events.h5"
    shutil.copyfile(run_with_extras, copy)
    with h5py.File(copy, "r+") as f:
        del f["events"]
        for name in list(f):
            if name not in (
                "time",
                "time_ns",
                "satellite",
                "satellite_name",
                "fleet",
                "plane",
                "sun__illumination",
            ):
                del f[name]
    page = write_report(copy, tmp_path / "r2")
    assert "No events were recorded" in page.read_text(encoding="utf-8")
    assert (tmp_path / "r2" / "sun__illumination.png").is_file()
