"""The SimPy master: exact event times, watches that fire at the right step for
the right satellites, processes acting through views, and events in the file."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

import orbitwin as ow
from orbitwin.master import Simulation
from orbitwin.run import run_scenario

NS = 10**9
EPOCH = "2024-05-13T00:00:00Z"


def _twin(n_planes: int = 4, per_plane: int = 6) -> ow.Twin:
    tw = ow.Twin(EPOCH, step="10s")
    tw.add_fleet(
        "w", ow.walker(n_planes * per_plane, n_planes, 1, altitude_m=550e3, inclination_deg=53.0)
    )
    return tw


def test_events_land_at_their_exact_times() -> None:
    tw = _twin()
    sim = Simulation(tw)
    seen = []

    def ops(sim):
        yield sim.timeout(125)  # between the 120 s and 130 s steps
        seen.append((sim.now_ns, sim.twin.time_ns))
        yield sim.at("7min")
        seen.append((sim.now_ns, sim.twin.time_ns))
        yield sim.timeout("0.5s")
        seen.append((sim.now_ns, sim.twin.time_ns))

    sim.process(ops(sim))
    sim.run(600 * NS)
    assert seen == [(125 * NS,) * 2, (420 * NS,) * 2, (420_500_000_000,) * 2]
    assert tw.time_ns == 600 * NS


def test_a_process_changes_state_between_advances() -> None:
    """Attitude switched at 125 s: before it nadir, after it Sun-pointing, for satellite 0 only."""
    tw = _twin()
    fleet = tw.fleet("w")
    sim = Simulation(tw)
    z_before = {}

    def ops(sim):
        yield sim.timeout(125)
        z_before["z"] = fleet.state("attitude.body_axes")[0, 2].copy()
        fleet.param("attitude.mode")[0] = 1
        sim.log("attitude", "w", [0], "mode=sun")

    sim.process(ops(sim))
    sim.run(130 * NS)
    r = fleet.state("orbit.position")
    axes = fleet.state("attitude.body_axes")
    sun = np.array(tw._core.sun_direction(tw.time_ns)) * 1.496e11
    to_sun = (sun - r[0]) / np.linalg.norm(sun - r[0])
    assert np.allclose(axes[0, 2], to_sun, atol=1e-6)
    assert np.allclose(axes[1, 2], -r[1] / np.linalg.norm(r[1]), atol=1e-12)  # still nadir
    assert sim.events[0].time_ns == 125 * NS and sim.events[0].satellites == (0,)


def test_watch_fires_at_the_first_crossing_step_for_the_right_satellites() -> None:
    """Reference: every step recorded; the watch must fire at the first step where any
    satellite's illumination turns below 0.5, naming exactly the satellites that did."""
    ref = _twin()
    frames = []
    ref.record(
        every="10s",
        channels=["sun.illumination"],
        sink=lambda t, b: frames.append((t.copy(), b[(0, "sun.illumination")].copy())),
        capacity=1000,
    )
    ref.advance(by="3h")
    ref.flush()
    times = np.concatenate([f[0] for f in frames])
    illum = np.concatenate([f[1] for f in frames])
    below = illum < 0.5
    crossing = below[1:] & ~below[:-1]
    first = int(np.flatnonzero(crossing.any(axis=1))[0]) + 1
    expected_sats = np.flatnonzero(crossing[first - 1])

    tw = _twin()
    sim = Simulation(tw)
    hits = []

    def waiter(sim):
        hit = yield sim.when("w", "sun.illumination", "<", 0.5)
        hits.append((sim.now_ns, hit))

    sim.process(waiter(sim))
    sim.run(3 * 3600 * NS)
    ((now, hit),) = hits
    assert now == hit.time_ns == times[first]
    assert np.array_equal(hit.satellites, expected_sats)
    assert hit.names == tuple(tw.fleet("w").names[i] for i in expected_sats)
    assert [e.kind for e in sim.events] == ["watch"]


def test_watches_do_not_change_results() -> None:
    """A run with a watch armed (one-step segments) equals one without, byte for byte."""
    plain, watched = _twin(), _twin()
    plain.advance(by="2h")
    watched.add_watch("w", "orbit.altitude", ">", 1e9)  # never fires
    res = watched.advance(by="2h")
    assert res.reason == ow._core.StopReason.REACHED
    for ch in ("orbit.position", "sun.illumination", "attitude.body_axes"):
        assert plain.fleet("w").state(ch).tobytes() == watched.fleet("w").state(ch).tobytes()


def test_a_run_with_many_events_equals_one_long_advance() -> None:
    """Events at grid times split the advances; the state is byte-identical."""
    one, many = _twin(), _twin()
    one.advance(by="3h")
    sim = Simulation(many)

    def ticker(sim):
        for _ in range(17):
            yield sim.timeout("10min")

    sim.process(ticker(sim))
    sim.run(3 * 3600 * NS)
    for ch in ("orbit.position", "orbit.velocity", "sun.illumination", "attitude.body_axes"):
        assert one.fleet("w").state(ch).tobytes() == many.fleet("w").state(ch).tobytes()


@pytest.mark.parametrize(
    "bad", [lambda s: s.at(-5), lambda s: s.timeout(-1), lambda s: s.timeout("-2min")]
)
def test_events_before_now_are_refused(bad) -> None:
    sim = Simulation(_twin())
    with pytest.raises(ValueError, match="time|timeout"):
        bad(sim)


def test_bad_watches_name_what_is_wrong() -> None:
    sim = Simulation(_twin())
    with pytest.raises(ValueError, match="operator"):
        sim.when("w", "sun.illumination", "=", 0.5)
    with pytest.raises(ValueError, match="does not exist"):
        sim.when("w", "battery.nonsense", "<", 0.5)
    with pytest.raises(ValueError, match="scalar"):
        sim.when("w", "orbit.position", "<", 0.5)
    with pytest.raises(KeyError, match="no fleet"):
        sim.when("nope", "sun.illumination", "<", 0.5)


def test_events_are_written_to_the_file(tmp_path: Path) -> None:
    xr = pytest.importorskip("xarray")
    scenario = ow.Scenario(name="ev", epoch=EPOCH, duration="2h", step="10s", output_every="60s")
    scenario.add_fleet("w", ow.walker(24, 4, 1, altitude_m=550e3, inclination_deg=53.0))

    @scenario.process
    def eclipse_watch(sim):
        hit = yield sim.when("w", "sun.illumination", "<", 0.5)
        sim.log("note", "w", hit.satellites[:1], "first eclipse entry")

    result = run_scenario(scenario, tmp_path / "ev.h5", progress=False)
    kinds = [e.kind for e in result.events]
    assert kinds == ["watch"] * (len(kinds) - 1) + ["note"]
    with h5py.File(result.path) as f:
        assert f["events/kind"].shape[0] >= 2
    ev = xr.open_dataset(result.path, engine="h5netcdf", group="events")
    assert "note" in [str(k) for k in ev["kind"].values]
    assert np.issubdtype(ev["time"].dtype, np.datetime64)  # decoded from CF units
