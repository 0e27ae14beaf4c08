"""orbitwin compare: the metrics against hand-computed values on small synthetic runs,
the lag band, alignment (names, cadence, overlap), event times, reports and the CLI's
exit codes."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

xr = pytest.importorskip("xarray")

from orbitwin import cli  # noqa: E402
from orbitwin.compare import (  # noqa: E402
    CompareError,
    _range_reduce,
    band_outside,
    channel_metrics,
    compare,
)
from orbitwin.testing import assert_matches  # noqa: E402
from orbitwin.tolerances import ChannelTolerance  # noqa: E402

EPOCH = "2024-05-13T00:00:00.000000Z"
ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"


def synthetic_run(
    t_s: np.ndarray,
    channels: dict[str, tuple[np.ndarray, str]],
    names: list[str],
    events: list[tuple[float, str, str]] | None = None,
    epoch: str = EPOCH,
) -> xr.Dataset:
    """A Dataset shaped like ``open_run``'s: ``channels`` maps a variable name to
    (values (time, satellite[, node]), units); ``events`` are (t [s], kind, satellite)."""
    t_ns = np.round(np.asarray(t_s, dtype=np.float64) * 1e9).astype(np.int64)
    data = {}
    for name, (values, units) in channels.items():
        dims = ("time", "satellite", "node")[: np.ndim(values)]
        data[name] = (dims, np.asarray(values, dtype=np.float64), {"units": units})
    data["time_ns"] = ("time", t_ns)
    ds = xr.Dataset(
        data,
        coords={
            "time": np.datetime64(epoch.rstrip("Z"), "ns") + t_ns.astype("timedelta64[ns]"),
            "satellite": np.arange(len(names)),
            "satellite_name": ("satellite", np.array(names)),
        },
        attrs={"epoch": epoch, "orbitwin_version": "test", "scenario": "synthetic"},
    )
    ev = None
    if events:
        ev = xr.Dataset(
            {
                "time_ns": ("event", np.array([round(t * 1e9) for t, _, _ in events], np.int64)),
                "kind": ("event", np.array([k for _, k, _ in events])),
                "satellite_name": ("event", np.array([s for _, _, s in events])),
            }
        )
    ds.attrs["events"] = ev
    return ds


TOL = {"default": {"abs": 0.15, "rel": 0.0}}


def test_metrics_match_hand_computed_values() -> None:
    t = np.arange(5) * 60.0
    ref_a = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    ref_b = np.full(5, 10.0)
    err_a = np.array([0.0, 0.1, -0.2, 0.0, 0.5])
    ref = synthetic_run(t, {"x__y": (np.c_[ref_a, ref_b], "K")}, ["A", "B"])
    run = synthetic_run(t, {"x__y": (np.c_[ref_a + err_a, ref_b], "K")}, ["A", "B"])
    c = compare(run, ref, TOL).channels[0]
    assert c.channel == "x.y" and c.units == "K"
    assert c.n_samples == 10
    np.testing.assert_allclose(c.sat_max_abs_error, [0.5, 0.0], atol=1e-12)
    np.testing.assert_allclose(c.sat_rmse, [math.sqrt(0.30 / 5), 0.0], atol=1e-12)
    # Range-normalised: RMSE / (4 - 0); a constant reference matched exactly gives 0.
    np.testing.assert_allclose(c.sat_nrmse, [math.sqrt(0.06) / 4, 0.0], atol=1e-12)
    # |err| 0.2 and 0.5 exceed 0.15: 2 of A's 5 samples, 2 of all 10.
    np.testing.assert_allclose(c.sat_outside_fraction, [0.4, 0.0])
    assert c.outside_fraction == pytest.approx(0.2)
    assert c.rmse == pytest.approx(math.sqrt(0.30 / 10))
    assert not c.passed and c.worst[0] == 0


def test_rel_tolerance_and_max_outside() -> None:
    t = np.arange(4) * 60.0
    ref = synthetic_run(t, {"p__w": (np.full((4, 1), 1000.0), "W")}, ["A"])
    run = synthetic_run(
        t, {"p__w": (np.array([[1000.0], [1009.0], [1011.0], [1000.0]]), "W")}, ["A"]
    )
    # 1 % of 1000 W: 1009 W is inside, 1011 W outside (1 of 4 samples).
    c = compare(run, ref, {"default": {"abs": 0.0, "rel": 0.01}}).channels[0]
    assert c.outside_fraction == pytest.approx(0.25) and not c.passed
    c = compare(run, ref, {"default": {"rel": 0.01, "max_outside": 0.25}}).channels[0]
    assert c.passed


def ramp_pair(shift_s: float) -> tuple[xr.Dataset, xr.Dataset]:
    """Reference r(t) = t/60 on 0..600 s every 60 s; the run is r(t - shift) (late)."""
    t = np.arange(11) * 60.0
    ref = synthetic_run(t, {"a__b": ((t / 60.0)[:, None], "1")}, ["A"])
    run = synthetic_run(t, {"a__b": (((t - shift_s) / 60.0)[:, None], "1")}, ["A"])
    return run, ref


@pytest.mark.parametrize(
    ("lag", "abs_tol", "outside"),
    [
        # No lag: every sample is 0.5 off.
        ("0s", 0.1, 11),
        # +-30 s: the reference spans [t/60 - 0.5, t/60 + 0.5]; only t = 0, where the
        # window is cut to [0, 30] s, stays 0.5 away.
        ("30s", 0.1, 1),
        # +-20 s: 0.5 - 1/3 = 0.167 from the band's edge, inside 0.25 (t = 0 again out).
        ("20s", 0.25, 1),
        # +-12 s: 0.5 - 0.2 = 0.3, outside 0.25 everywhere.
        ("12s", 0.25, 11),
    ],
)
def test_lag_band_on_a_shifted_ramp(lag: str, abs_tol: float, outside: int) -> None:
    run, ref = ramp_pair(30.0)
    c = compare(run, ref, {"default": {"abs": abs_tol, "rel": 0.0, "lag": lag}}).channels[0]
    assert round(c.outside_fraction * 11) == outside
    # The plain errors do not depend on the lag: 0.5 everywhere.
    assert c.max_abs_error == pytest.approx(0.5) and c.rmse == pytest.approx(0.5)


def test_lag_band_sees_reference_samples_inside_the_window() -> None:
    """A one-sample spike in the reference at 300 s, the run's spike at 360 s: with
    +-60 s the window reaches the reference's spike sample; with +-30 s it only sees the
    interpolated flanks (0.5), so both spike-related samples are outside."""
    t = np.arange(11) * 60.0
    ref_v, run_v = np.zeros(11), np.zeros(11)
    ref_v[5], run_v[6] = 1.0, 1.0
    ref = synthetic_run(t, {"s__k": (ref_v[:, None], "1")}, ["A"])
    run = synthetic_run(t, {"s__k": (run_v[:, None], "1")}, ["A"])
    tol = {"default": {"abs": 0.01, "rel": 0.0}}
    c60 = compare(run, ref, {"default": {**tol["default"], "lag": "60s"}}).channels[0]
    c30 = compare(run, ref, {"default": {**tol["default"], "lag": "30s"}}).channels[0]
    assert c60.outside_fraction == 0.0
    assert round(c30.outside_fraction * 11) == 2


def test_band_outside_on_irregular_times_against_a_loop() -> None:
    rng = np.random.default_rng(3)
    tr = np.cumsum(rng.uniform(5, 40, 80))
    ref = rng.normal(size=(80, 3))
    t = np.sort(rng.uniform(tr[0], tr[-1], 60))
    run = rng.normal(size=(60, 3))
    lag, a, r = 50.0, 0.3, 0.05
    got = band_outside(run, tr, ref, t, a, r, lag)
    want = np.zeros_like(got)
    for i, ti in enumerate(t):
        lo_t, hi_t = max(ti - lag, tr[0]), min(ti + lag, tr[-1])
        knots = (tr >= lo_t) & (tr <= hi_t)
        for s in range(3):
            vals = [np.interp(lo_t, tr, ref[:, s]), np.interp(hi_t, tr, ref[:, s])]
            vals += ref[knots, s].tolist()
            lo, hi = min(vals), max(vals)
            near = min(max(run[i, s], lo), hi)
            want[i, s] = abs(run[i, s] - near) > a + r * abs(near)
    np.testing.assert_array_equal(got, want)


def test_range_reduce_matches_a_loop() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(50, 2))
    a = rng.integers(0, 50, 40)
    b = np.minimum(a + rng.integers(0, 20, 40), 50)
    got = _range_reduce(x, a, b, np.minimum, np.inf)
    for i in range(40):
        want = x[a[i] : b[i]].min(axis=0) if b[i] > a[i] else np.full(2, np.inf)
        np.testing.assert_array_equal(got[i], want)


def test_reference_at_another_cadence_is_interpolated_and_said_so() -> None:
    t_run = np.arange(0, 601, 60.0)
    t_ref = np.arange(-120, 901, 30.0)  # finer and longer than the run
    ref = synthetic_run(t_ref, {"q__v": ((2.0 * t_ref)[:, None], "W")}, ["A"])
    run = synthetic_run(t_run, {"q__v": ((2.0 * t_run)[:, None], "W")}, ["A"])
    cmp = compare(run, ref, {"default": {"abs": 1e-9, "rel": 0.0}})
    assert cmp.passed and cmp.n_times == 11
    assert any("interpolated linearly onto the run's times" in n for n in cmp.notes)
    # Coarser reference over part of the run: compared only where they overlap.
    t_ref = np.arange(120, 481, 120.0)
    ref = synthetic_run(t_ref, {"q__v": ((2.0 * t_ref)[:, None], "W")}, ["A"])
    cmp = compare(run, ref, {"default": {"abs": 1e-9, "rel": 0.0}})
    assert cmp.passed and (cmp.t_start_s, cmp.t_end_s, cmp.n_times) == (120.0, 480.0, 7)
    assert any("overlap" in n for n in cmp.notes)


def test_satellites_are_matched_by_name() -> None:
    t = np.arange(3) * 60.0
    v = np.array([[1.0, 2.0, 3.0]] * 3)
    run = synthetic_run(t, {"c__d": (v, "1")}, ["A", "B", "C"])
    ref = synthetic_run(t, {"c__d": (v[:, ::-1], "1")}, ["C", "B", "A"])
    assert compare(run, ref, TOL).passed
    other = synthetic_run(t, {"c__d": (v, "1")}, ["A", "B", "X"])
    with pytest.raises(CompareError, match="X"):
        compare(run, other, TOL)


def test_missing_run_values_are_outside_and_windows_limit_the_comparison() -> None:
    t = np.arange(6) * 600.0
    ref_v = np.zeros((6, 1))
    run_v = ref_v.copy()
    run_v[1] = np.nan  # at 600 s
    run_v[5] = 9.0  # at 3000 s
    ref = synthetic_run(t, {"e__f": (ref_v, "K")}, ["A"])
    run = synthetic_run(t, {"e__f": (run_v, "K")}, ["A"])
    c = compare(run, ref, TOL).channels[0]
    assert round(c.outside_fraction * 6) == 2 and c.max_abs_error == 9.0
    c = compare(run, ref, {"default": {"abs": 0.1, "window": ["20min", "45min"]}}).channels[0]
    assert c.n_samples == 3 and c.passed  # 1200, 1800 and 2400 s


def test_longitude_wraps() -> None:
    t = np.arange(4) * 60.0
    lon = np.array([[3.10], [3.14], [-3.13], [-3.09]])
    ref = synthetic_run(t, {"orbit__longitude": (lon, "rad")}, ["A"])
    run = synthetic_run(t, {"orbit__longitude": (lon + 1e-4, "rad")}, ["A"])
    run["orbit__longitude"].values[:] = (run["orbit__longitude"].values + math.pi) % (
        2 * math.pi
    ) - math.pi
    c = compare(run, ref, {"default": {"abs": 2e-4, "rel": 0.0}}).channels[0]
    assert c.passed and c.max_abs_error == pytest.approx(1e-4)


def test_eclipse_times_from_illumination_crossings() -> None:
    t = np.arange(0, 1201, 60.0)

    # Illumination ramps 1 -> 0 over 120 s centred on the entry (360 s) and back 0 -> 1
    # over 120 s centred on the exit (930 s); the reference 10 s later. Linear ramps
    # sampled every 60 s: the interpolated crossings are exact.
    def ill(entry: float, exit_: float) -> np.ndarray:
        down = np.clip((entry + 60 - t) / 120, 0, 1)
        up = np.clip((t - exit_ + 60) / 120, 0, 1)
        return np.where(t < 600, down, up)[:, None]

    run = synthetic_run(t, {"sun__illumination": (ill(360, 930), "1")}, ["A"])
    ref = synthetic_run(t, {"sun__illumination": (ill(370, 940), "1")}, ["A"])
    base = {"default": {"abs": 1.0}}
    cmp = compare(run, ref, {**base, "events": {"eclipse": "5s"}})
    entry, exit_ = cmp.events
    assert (entry.kind, exit_.kind) == ("eclipse_entry", "eclipse_exit")
    assert entry.mean_dt_s == pytest.approx(-10.0) and exit_.mean_dt_s == pytest.approx(-10.0)
    assert not entry.passed and entry.worst == ["A"] and not cmp.passed
    assert compare(run, ref, {**base, "events": {"eclipse": "15s"}}).passed


def test_group_events_matched_by_kind_and_satellite() -> None:
    t = np.arange(0, 3601, 60.0)
    v = np.zeros((t.size, 2))
    ev = [(600.0, "watch", "A"), (1200.0, "radiator_degradation", "B")]
    run = synthetic_run(t, {"g__h": (v, "1")}, ["A", "B"], ev)
    ref = synthetic_run(
        t,
        {"g__h": (v, "1")},
        ["A", "B"],
        [(600.0, "watch", "A"), (1260.0, "radiator_degradation", "B")],
    )
    cmp = compare(run, ref, {"default": {"abs": 1.0}, "events": {"default": "0s"}})
    by_kind = {e.kind: e for e in cmp.events}
    assert by_kind["watch"].passed
    deg = by_kind["radiator_degradation"]
    assert not deg.passed and deg.max_abs_dt_s == pytest.approx(60.0) and deg.worst == ["B"]
    loose = {"default": {"abs": 1.0}, "events": {"radiator_degradation": "2min"}}
    assert compare(run, ref, loose).passed
    # A fault missing from the reference fails the kind.
    ref2 = synthetic_run(t, {"g__h": (v, "1")}, ["A", "B"], [(600.0, "watch", "A")])
    deg = {e.kind: e for e in compare(run, ref2, loose).events}["radiator_degradation"]
    assert (deg.n_run, deg.n_ref, deg.passed) == (1, 0, False)


def test_units_are_converted_or_refused() -> None:
    t = np.arange(3) * 60.0
    run = synthetic_run(t, {"thermal__temperature": (np.full((3, 1), 300.0), "K")}, ["A"])
    ref = synthetic_run(t, {"thermal__temperature": (np.full((3, 1), 26.85), "degC")}, ["A"])
    assert compare(run, ref, {"default": {"abs": 1e-9}}).passed
    ref = synthetic_run(t, {"thermal__temperature": (np.full((3, 1), 1.0), "m")}, ["A"])
    with pytest.raises(CompareError, match="unit 'm' cannot be converted to 'K'"):
        compare(run, ref)


def test_assert_matches_raises_with_a_table() -> None:
    run, ref = ramp_pair(30.0)
    with pytest.raises(AssertionError) as info:
        assert_matches(run, ref, {"default": {"abs": 0.1}})
    text = str(info.value)
    assert "out of tolerance: a.b" in text and "FAIL" in text and "max |err|" in text
    assert assert_matches(run, ref, {"default": {"abs": 0.1, "lag": "30s", "max_outside": 0.1}})


def test_reports_html_and_markdown(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    run, ref = ramp_pair(30.0)
    cmp = compare(run, ref, {"default": {"abs": 0.1}})
    html = cmp.write_report(tmp_path / "r.html").read_text()
    assert "data:image/png;base64," in html and "a.b" in html and "FAIL" in html
    md = cmp.write_report(tmp_path / "r.md").read_text()
    assert "![a__b](r_files/a__b.png)" in md and (tmp_path / "r_files" / "a__b.png").is_file()
    with pytest.raises(ValueError, match="allowed: .html"):
        cmp.write_report(tmp_path / "r.pdf")


def test_cli_exit_codes(tmp_path: Path, capsys) -> None:
    golden = GOLDEN / "walker_compute.h5"
    assert cli.main(["compare", str(golden), str(golden)]) == 0
    out = capsys.readouterr().out
    assert "PASS" in out and "thermal.temperature" in out and "eclipse_entry" in out
    tol = tmp_path / "tight.toml"
    tol.write_text('[default]\nabs = 0\nrel = 0\n[channels."thermal.temperature"]\nabs = 0.5\n')
    # Another golden run: satellite names differ -> bad input, exit 2.
    assert cli.main(["compare", str(golden), str(GOLDEN / "starlink_tle.h5")]) == 2
    assert "satellite" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text("[default]\nrel = 2\n")
    assert cli.main(["compare", str(golden), str(golden), "--tolerances", str(bad)]) == 2
    assert "rel is 2" in capsys.readouterr().err
    assert cli.main(["compare", str(golden), str(golden), "--report", str(tmp_path / "x.pdf")]) == 2


def test_channel_metrics_on_arrays() -> None:
    """The array-level entry point (used by calibration): a reference at half the
    run's cadence, interpolated; a constant 0.25 offset on one satellite."""
    t = np.arange(0, 601, 60.0)
    tr = np.arange(0, 601, 120.0)
    ref = np.c_[tr, 2 * tr]
    run = np.c_[t + 0.25, 2 * t]
    c = channel_metrics("x.y", "W", run, ref, t, tr, ChannelTolerance(abs=0.1, rel=0.0))
    np.testing.assert_allclose(c.sat_max_abs_error, [0.25, 0.0], atol=1e-12)
    np.testing.assert_allclose(c.sat_rmse, [0.25, 0.0], atol=1e-12)
    np.testing.assert_allclose(c.sat_nrmse, [0.25 / 600, 0.0], atol=1e-15)
    np.testing.assert_allclose(c.sat_outside_fraction, [1.0, 0.0])
    assert c.n_samples == 22 and not c.passed


def test_reference_with_another_epoch_is_aligned_on_absolute_time() -> None:
    t = np.arange(0, 601, 60.0)
    run = synthetic_run(t, {"q__v": ((5.0 + t)[:, None], "W")}, ["A"])
    # The reference starts its clock an hour earlier: its t + 3600 s is the run's t.
    t_ref = t + 3600.0
    ref = synthetic_run(
        t_ref, {"q__v": ((5.0 + t)[:, None], "W")}, ["A"], epoch="2024-05-12T23:00:00Z"
    )
    cmp = compare(run, ref, {"default": {"abs": 1e-9, "rel": 0.0}})
    assert cmp.passed and cmp.n_times == 11 and (cmp.t_start_s, cmp.t_end_s) == (0.0, 600.0)


def test_ignored_and_one_sided_channels_are_listed_not_compared() -> None:
    t = np.arange(3) * 60.0
    v = np.zeros((3, 1))
    run = synthetic_run(t, {"a__x": (v, "1"), "b__y": (v + 1, "1"), "c__z": (v, "1")}, ["A"])
    ref = synthetic_run(t, {"a__x": (v, "1"), "b__y": (v, "1"), "d__w": (v, "1")}, ["A"])
    cmp = compare(run, ref, {"ignore": ["b.*"]})
    assert [c.channel for c in cmp.channels] == ["a.x"] and cmp.passed
    assert dict(cmp.skipped) == {
        "b.y": "ignored by the tolerances",
        "c.z": "only in the run",
        "d.w": "only in the reference",
    }
    assert "not compared: " in cmp.text() and "b.y (ignored by the tolerances)" in cmp.text()
