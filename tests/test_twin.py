"""Behaviour of the twin: attitude modes, determinism across threads and advance
splits, exact stepping and recording, zero-copy views, and bad-input errors."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import orbitwin as ow
from orbitwin import _core

NS = 1_000_000_000
EPOCH = "2024-05-13T00:00:00Z"


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def sun_position(twin: ow.Twin, t_ns: int) -> np.ndarray:
    """Geocentric Sun [m] at t_ns from the core's ephemeris function."""
    sun = _core.sun_ephemeris(twin.epoch.jd_whole, twin.epoch.jd_fraction + t_ns / 86400e9)
    return np.array(sun["direction"]) * sun["distance_m"]


def assert_rotation(axes: np.ndarray) -> None:
    """Rows orthonormal and right-handed to 1e-12."""
    eye = np.broadcast_to(np.eye(3), axes.shape)
    np.testing.assert_allclose(axes @ np.swapaxes(axes, 1, 2), eye, rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.linalg.det(axes), 1.0, rtol=0, atol=1e-12)


def rotations(n: int, seed: int) -> np.ndarray:
    """n random proper rotation matrices."""
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, 3, 3)))
    q[np.linalg.det(q) < 0, 2] *= -1.0
    return np.ascontiguousarray(q)


# --------------------------------------------------------------------------- attitude


def mixed_fleet() -> ow.ElementSet:
    """130 satellites (three core blocks): a Walker shell plus eccentric orbits."""
    return ow.walker(120, 12, 5, altitude_m=550e3, inclination_deg=53.0) + ow.elements(
        semi_major_axis_m=np.linspace(7200e3, 12000e3, 10),
        eccentricity=np.linspace(0.0, 0.4, 10),
        inclination_deg=np.linspace(5.0, 175.0, 10),
        raan_deg=np.linspace(0.0, 300.0, 10),
        mean_anomaly_deg=np.linspace(0.0, 330.0, 10),
    )


def check_attitude(twin: ow.Twin, fleet: ow.Fleet, commanded: np.ndarray) -> None:
    """Every satellite's body axes against its mode, all to 1e-12 (commanded: bitwise)."""
    axes = fleet.state("attitude.body_axes")
    mode = fleet.param("attitude.mode")
    r, v = fleet.state("orbit.position"), fleet.state("orbit.velocity")
    h = unit(np.cross(r, v))
    nadir, sun, inertial = mode == 0, mode == 1, mode == 2
    # nadir (LVLH): +Z to the Earth's centre, +Y against the orbit normal, X = Y x Z
    assert_rotation(axes[nadir])
    np.testing.assert_allclose(axes[nadir, 2], -unit(r[nadir]), rtol=0, atol=1e-12)
    np.testing.assert_allclose(axes[nadir, 1], -h[nadir], rtol=0, atol=1e-12)
    assert np.all(np.sum(axes[nadir, 0] * unit(v[nadir]), axis=1) > 0.9)  # X ahead
    # sun-pointing: +Z to the Sun as seen from the satellite, X in the orbit plane
    assert_rotation(axes[sun])
    to_sun = unit(sun_position(twin, twin.time_ns) - r[sun])
    np.testing.assert_allclose(axes[sun, 2], to_sun, rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.sum(axes[sun, 0] * h[sun], axis=1), 0.0, rtol=0, atol=1e-12)
    # inertial: exactly the commanded axes
    assert np.array_equal(axes[inertial], commanded[inertial])


def test_attitude_modes_and_switching() -> None:
    """Nadir, Sun-pointing and inertial modes, switched through the writable views
    between advances; the change takes effect from the next step."""
    tw = ow.Twin(EPOCH, step="30s")
    f = tw.add_fleet("att", mixed_fleet())
    n = len(f)
    commanded = rotations(n, seed=1)
    f.param("attitude.inertial_axes")[:] = commanded
    mode = f.param("attitude.mode")
    assert mode.dtype == np.int32 and mode.flags.writeable
    assert np.all(mode == 0)  # nadir by default

    tw.advance(by="7min")
    check_attitude(tw, f, commanded)

    pattern = np.arange(n, dtype=np.int32) % 3
    mode[:] = pattern
    before = f.state("attitude.body_axes").copy()
    tw.advance(by="13min")
    assert not np.array_equal(before[pattern == 2], f.state("attitude.body_axes")[pattern == 2])
    check_attitude(tw, f, commanded)
    assert np.array_equal(f.param("attitude.mode"), pattern)

    mode[:] = (pattern + 1) % 3
    commanded = rotations(n, seed=2)
    f.param("attitude.inertial_axes")[:] = commanded
    tw.advance(tw.time_ns + 17 * NS + 5)  # off-grid landing
    check_attitude(tw, f, commanded)


def test_invalid_attitude_mode_is_rejected_at_the_next_advance() -> None:
    tw = ow.Twin(EPOCH, step="30s")
    f = tw.add_fleet("att", mixed_fleet())
    tw.advance(by="1min")
    f.param("attitude.mode")[7] = 4
    with pytest.raises(ValueError, match=r"attitude\.mode of satellite 7 is 4; allowed: 0 .* 3"):
        tw.advance(by="1min")
    assert tw.time_ns == 60 * NS  # nothing was stepped
    f.param("attitude.mode")[7] = -1
    with pytest.raises(ValueError, match=r"attitude\.mode of satellite 7 is -1"):
        tw.advance(by="1min")


# --------------------------------------------------------------------------- determinism


def state_bytes(twin: ow.Twin) -> dict[tuple[str, str], bytes]:
    return {
        (f.name, name): f.state(name).tobytes()
        for f in twin.fleets
        for name, info in f.channels.items()
        if not info["parameter"]
    }


def build(orbits, threads: int, step: str, **fleet_kwargs) -> ow.Twin:
    tw = ow.Twin(EPOCH, step=step, threads=threads)
    f = tw.add_fleet("f", orbits, **fleet_kwargs)
    f.param("attitude.mode")[:] = np.arange(len(f), dtype=np.int32) % 3
    f.param("attitude.inertial_axes")[:] = rotations(len(f), seed=4)
    return tw


@pytest.mark.parametrize("kind", ["mean-elements", "tle"])
def test_bit_identical_for_threads_and_advance_splits(kind: str, starlink_snapshot) -> None:
    """One advance with threads=1 vs many advances (split at grid times) with
    threads=2: every state channel byte-identical, at the end and at the split
    times. TLE runs also differ in SGP4 batch size (ephemeris_steps 64 vs 5) and
    include a satellite SGP4 rejects (NaN state)."""
    if kind == "tle":
        names = starlink_snapshot.names
        idx = [*range(0, len(names), 26), names.index("STARLINK-2601")]
        orbits, step, end = starlink_snapshot.select(idx), "60s", 3 * 3600 * NS + 123_456
        kw_a, kw_b = {"ephemeris_steps": 64}, {"ephemeris_steps": 5}
    else:
        orbits, step, end = mixed_fleet() + mixed_fleet(), "60s", 6 * 3600 * NS + 123_456
        kw_a = kw_b = {}
    a = build(orbits, threads=1, step=step, **kw_a)
    b = build(orbits, threads=2, step=step, **kw_b)
    assert len(a.fleets[0]) > 2 * 64  # several core blocks to share between threads
    step_ns = a.step_ns
    rng = np.random.default_rng(0)
    splits = np.sort(rng.choice(np.arange(1, end // step_ns), size=12, replace=False)) * step_ns
    check_at = {int(splits[3]), int(splits[9])}
    for t in splits:
        b.advance(int(t))
        if int(t) in check_at:
            ref = build(orbits, threads=1, step=step, **kw_a)
            ref.advance(int(t))
            assert state_bytes(ref) == state_bytes(b)
    a.advance(end)
    b.advance(end)
    assert a.time_ns == b.time_ns == end
    sa, sb = state_bytes(a), state_bytes(b)
    assert sa.keys() == sb.keys() and len(sa) == 9
    for key in sa:
        assert sa[key] == sb[key], key


def test_sgp4_prefetch_changes_nothing(starlink_snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    """SGP4 chunks computed ahead on a background thread (used when their times match
    the core's plan) give the same bytes as chunks computed on demand, with an
    advance that ends off the grid and a watch-like split in between."""
    orbits = starlink_snapshot.select(list(range(0, 5236, 40)))
    with_prefetch = build(orbits, threads=2, step="30s", ephemeris_steps=16)
    for t in (1800 * NS + 7, 2 * 3600 * NS, 2 * 3600 * NS + 45 * NS, 4 * 3600 * NS):
        with_prefetch.advance(t)
    assert with_prefetch.ephemeris_prefetch_hits > 20
    monkeypatch.setattr(ow.Twin, "_start_prefetch", lambda self, *a: None)
    on_demand = build(orbits, threads=1, step="30s", ephemeris_steps=16)
    on_demand.advance(4 * 3600 * NS)
    assert on_demand.ephemeris_prefetch_hits == 0
    assert state_bytes(with_prefetch) == state_bytes(on_demand)


# --------------------------------------------------------------------------- stepping


def test_advance_lands_exactly_and_keeps_the_grid() -> None:
    tw = ow.Twin(EPOCH, step="10s")
    tw.add_fleet("w", ow.walker(8, 2, 1, altitude_m=600e3, inclination_deg=60.0))
    target = 12_345_678_901  # not a multiple of the step
    res = tw.advance(target)
    assert tw.time_ns == res.time_ns == target
    assert res.reason == _core.StopReason.REACHED and res.steps == 2  # 10 s, then 12.3 s
    res = tw.advance(40 * NS)
    assert tw.time_ns == 40 * NS and res.steps == 3  # back on the grid: 20, 30, 40 s
    assert tw.advance(by=0).steps == 0 and tw.time_ns == 40 * NS
    tw.advance(by="0.5s")
    assert tw.time_ns == 40 * NS + NS // 2
    tw.advance(by="1d")
    assert tw.time_ns == 86400 * NS + 40 * NS + NS // 2


def test_state_at_a_time_does_not_depend_on_the_path() -> None:
    """Mean-element states are functions of time: landing on an off-grid time with
    a 10 s step or a 1 s step gives byte-identical state."""
    el = ow.walker(8, 2, 1, altitude_m=600e3, inclination_deg=60.0)
    target = 3600 * NS + 12_345_678_901
    states = []
    for step in ("10s", "1s", "7min"):
        tw = ow.Twin(EPOCH, step=step)
        tw.add_fleet("w", el)
        tw.advance(target)
        states.append(state_bytes(tw))
    assert states[0] == states[1] == states[2]


def test_recorder_frames_at_exact_multiples_of_the_cadence() -> None:
    """Frames at t = 0 and every multiple of 60 s, never at off-grid landings,
    none lost or repeated when the buffer fills (capacity 4), and each frame equal
    to the state an independent twin has at that time."""
    el = ow.walker(8, 2, 1, altitude_m=600e3, inclination_deg=60.0)
    tw = ow.Twin(EPOCH, step="10s")
    tw.add_fleet("w", el)
    times: list[int] = []
    positions: list[np.ndarray] = []
    calls: list[int] = []

    def sink(t: np.ndarray, buffers: dict) -> None:
        calls.append(t.size)
        assert t.size <= 4
        times.extend(int(x) for x in t)
        positions.extend(buffers[(0, "orbit.position")].copy())

    tw.record(every="60s", channels=["orbit.position", "sun.illumination"], sink=sink, capacity=4)
    tw.advance(605 * NS)
    tw.advance(606 * NS)  # off-grid landings record nothing
    tw.flush()
    assert times == [60 * NS * k for k in range(11)]
    assert sum(calls) == 11 and len(calls) >= 3
    tw.advance(1200 * NS)
    tw.flush()
    tw.flush()  # nothing left: no call, no duplicate
    assert times == [60 * NS * k for k in range(21)]

    ref = ow.Twin(EPOCH, step="10s")
    pos = ref.add_fleet("w", el).state("orbit.position")
    for t, recorded in zip(times, positions, strict=True):
        ref.advance(t)
        assert np.array_equal(recorded, pos)


@pytest.mark.parametrize("precision", ["double", "single"])
def test_recorded_frames_equal_the_state_with_every_model_on(precision: str) -> None:
    """Frames recorded inside the core's long spans (several frames per span, each
    block copying its rows as it passes a frame, 2 threads) are byte-identical to
    the state of an independent twin (1 thread) advanced frame by frame, for every
    state channel of compute nodes with radiation and ground stations on. In
    single precision the core's conversion gives numpy's ``astype(np.float32)``
    bit for bit, and integer channels stay as they are."""

    def every_model(threads: int) -> ow.Twin:
        tw = ow.Twin(EPOCH, step="10s", threads=threads)
        tw.add_fleet(
            "shell",
            ow.walker(200, 10, 1, altitude_m=550e3, inclination_deg=53.0),
            design=ow.compute_node(),
        )
        tw.set_ground_stations(ow.DEFAULT_STATIONS[:4])
        tw.enable_radiation("shell", ow.RadiationConfig(solar="max", shield_mm=3.0))
        return tw

    tw = every_model(threads=2)
    fleet = tw.fleets[0]
    channels = [name for name, info in fleet.channels.items() if not info["parameter"]]
    frames: list[tuple[int, dict[str, bytes]]] = []

    def sink(t: np.ndarray, buffers: dict) -> None:
        for j, tj in enumerate(t):
            frames.append((int(tj), {ch: buffers[(0, ch)][j].tobytes() for ch in channels}))

    tw.record(every="30s", channels=channels, sink=sink, capacity=25, precision=precision)
    tw.advance(1800 * NS + 5 * NS)  # spans of 64 steps hold up to 21 frames
    tw.flush()
    assert [t for t, _ in frames] == [30 * NS * k for k in range(61)]

    ref = every_model(threads=1)
    for t, recorded in frames:
        ref.advance(t)
        for ch in channels:
            state = ref.fleets[0].state(ch)
            if precision == "single" and state.dtype == np.float64:
                state = state.astype(np.float32)
            assert recorded[ch] == state.tobytes(), (t, ch)


def test_recorder_attached_after_start() -> None:
    tw = ow.Twin(EPOCH, step="10s")
    tw.add_fleet("w", ow.walker(4, 2, 1, altitude_m=600e3, inclination_deg=60.0))
    tw.advance(120 * NS)
    times: list[int] = []
    tw.record(every="60s", channels=["orbit.altitude"], sink=lambda t, b: times.extend(t.tolist()))
    tw.advance(250 * NS)
    tw.flush()
    assert times == [120 * NS, 180 * NS, 240 * NS]


def test_views_are_zero_copy_and_state_is_read_only() -> None:
    tw = ow.Twin(EPOCH, step="10s")
    f = tw.add_fleet("w", ow.walker(8, 2, 1, altitude_m=600e3, inclination_deg=60.0))
    tw.advance(0)
    pos = f.state("orbit.position")
    before = pos.copy()
    tw.advance(by="5min")
    assert not np.array_equal(pos, before)  # same view, new state
    assert np.shares_memory(pos, f.state("orbit.position"))
    fresh = ow.Twin(EPOCH, step="10s")
    fresh.add_fleet("w", ow.walker(8, 2, 1, altitude_m=600e3, inclination_deg=60.0))
    fresh.advance(300 * NS)
    assert np.array_equal(pos, fresh.fleets[0].state("orbit.position"))

    for name, info in f.channels.items():
        if info["parameter"]:
            continue
        view = f.state(name)
        assert view.shape == (len(f), *info["shape"]) and view.dtype == info["dtype"]
        assert not view.flags.writeable, name
        with pytest.raises(ValueError, match="read-only"):
            view[0] = 0
        with pytest.raises(ValueError):
            view.setflags(write=True)
    for name in ("orbit.inclination", "orbit.semi_major_axis", "orbit.eccentricity"):
        with pytest.raises(ValueError, match="read-only"):
            f.param(name)[0] = 1.0
    mode = f.param("attitude.mode")
    mode[3] = 1
    assert f.param("attitude.mode")[3] == 1 and np.shares_memory(mode, f.param("attitude.mode"))


# --------------------------------------------------------------------------- bad input


def test_bad_elements_raise_naming_field_value_and_range() -> None:
    with pytest.raises(ValueError, match=r"inclination .*181.* deg; allowed: 0 to 180 deg"):
        ow.elements(altitude_m=500e3, inclination_deg=181.0)
    with pytest.raises(ValueError, match=r"inclination .*-0\.5.* deg; allowed: 0 to 180 deg"):
        ow.walker(6, 2, 1, altitude_m=500e3, inclination_deg=-0.5)
    with pytest.raises(
        ValueError, match=r"perigee altitude .* is -778\.137 km .*allowed: .*\(> 0 km\)"
    ):
        ow.elements(semi_major_axis_m=7000e3, eccentricity=0.2, inclination_deg=10.0)
    with pytest.raises(ValueError, match=r"perigee altitude .* is -10\.000 km"):
        ow.elements(altitude_m=-10e3, inclination_deg=10.0)
    for e in (1.0, 1.2, -0.1):
        with pytest.raises(ValueError, match=rf"eccentricity .*{re.escape(str(e))}.*0 <= e < 1"):
            ow.elements(altitude_m=500e3, eccentricity=e, inclination_deg=10.0)
    with pytest.raises(ValueError, match=r"raan_rad .* is .*inf.*; allowed: finite"):
        ow.elements(altitude_m=500e3, inclination_deg=10.0, raan_deg=np.inf)
    with pytest.raises(
        ValueError, match=r"walker total is 10 with planes 3; allowed: total a multiple of planes"
    ):
        ow.walker(10, 3, 1, altitude_m=500e3, inclination_deg=50.0)
    with pytest.raises(ValueError, match=r"walker phasing is 3; allowed: an integer 0 to 2"):
        ow.walker(12, 3, 3, altitude_m=500e3, inclination_deg=50.0)


def test_core_validates_elements_itself() -> None:
    """The core rejects bad elements even when the Python checks are bypassed."""
    core = _core.Twin(2460443.5, 0.0, NS)
    f = core.add_fleet("x", 1, _core.OrbitSource.MEAN_ELEMENTS)
    one = np.ones(1)
    cases = [
        (
            (7e6, 0.0, 4.0, 0.0),
            r"inclination \[deg\] of satellite 0 is 229\.18\d*; allowed: 0 to 180",
        ),
        ((6e6, 0.0, 1.0, 0.0), r"perigee altitude \[km\] of satellite 0 is -378\.137"),
        ((7e6, 1.0, 1.0, 0.0), r"eccentricity of satellite 0 is 1; allowed: 0 <= e < 1"),
        ((7e6, 0.0, 1.0, np.nan), r"raan \[rad\] of satellite 0 is nan; allowed: a finite angle"),
    ]
    for (a, e, inc, raan), pattern in cases:
        with pytest.raises(ValueError, match=pattern):
            f.set_mean_elements(one * a, one * e, one * inc, one * raan, one * 0.0, one * 0.0)
    with pytest.raises(ValueError, match=r"step is 0 ns; allowed: a positive duration"):
        _core.Twin(2460443.5, 0.0, 0)


def test_bad_time_and_recording_input() -> None:
    for step in (0, "0s", -10):
        with pytest.raises(ValueError, match=rf"step is {re.escape(repr(step))}; allowed: .*> 0"):
            ow.Twin(EPOCH, step=step)
    with pytest.raises(ValueError, match=r"threads is 0; allowed: a positive integer"):
        ow.Twin(EPOCH, step="10s", threads=0)
    tw = ow.Twin(EPOCH, step="10s")
    f = tw.add_fleet("a", ow.walker(6, 2, 1, altitude_m=500e3, inclination_deg=50.0))
    with pytest.raises(ValueError, match=r"advance by is -5; allowed: a finite duration >= 0"):
        tw.advance(by=-5)
    with pytest.raises(ValueError, match=r"advance by is '-5min'"):
        tw.advance(by="-5min")
    with pytest.raises(ValueError, match=r"advance until -1 ns is before the current time 0 ns"):
        tw.advance(until=-1)
    with pytest.raises(
        ValueError, match=r"output cadence is 15\.0 s; allowed: a multiple of the step \(10\.0 s\)"
    ):
        tw.record(every="15s", channels=["orbit.position"], sink=print)
    with pytest.raises(
        ValueError, match=r"output channel 'orbit\.nope' .* allowed: .*orbit\.position"
    ):
        tw.record(every="60s", channels=["orbit.nope"], sink=print)
    with pytest.raises(
        ValueError, match=r"record precision is 'half'; allowed: 'single', 'double'"
    ):
        tw.record(every="60s", channels=["orbit.altitude"], sink=print, precision="half")
    with pytest.raises(ValueError, match=r"recorder buffer for a/orbit\.altitude: .*float32"):
        tw._core.attach_recorder(
            60 * NS, np.zeros(2, np.int64), [(0, "orbit.altitude", np.zeros((2, 6)), True)]
        )
    with pytest.raises(ValueError, match=r"single is true for an integer channel"):
        tw._core.attach_recorder(
            60 * NS, np.zeros(2, np.int64), [(0, "status.flags", np.zeros((2, 6), np.uint32), True)]
        )
    with pytest.raises(
        KeyError, match=r"no state channel 'orbit\.nope'; allowed: .*orbit\.altitude"
    ):
        f.state("orbit.nope")
    with pytest.raises(
        KeyError, match=r"no parameter 'orbit\.position'; allowed: .*attitude\.mode"
    ):
        f.param("orbit.position")
    with pytest.raises(ValueError, match=r"epoch is 'yesterday'; allowed: an ISO 8601"):
        ow.Twin("yesterday", step="10s")
    tw.advance(by="1min")
    with pytest.raises(ValueError, match=r"added after the twin started"):
        tw.add_fleet("late", ow.walker(6, 2, 1, altitude_m=500e3, inclination_deg=50.0))
    assert tw.time_ns == 60 * NS


def test_bad_element_messages_show_plain_numbers() -> None:
    with pytest.raises(ValueError) as info:
        ow.elements(altitude_m=500e3, inclination_deg=181.0)
    assert "is 181.0 deg" in str(info.value), str(info.value)
    with pytest.raises(ValueError) as info:
        ow.elements(altitude_m=500e3, eccentricity=1.0, inclination_deg=10.0)
    assert "is 1.0;" in str(info.value), str(info.value)


def test_walker_geometry() -> None:
    """Walker delta i: t/p/f: planes spread over 360 deg, phasing f * 360 / t."""
    el = ow.walker(24, 6, 2, altitude_m=700e3, inclination_deg=55.0)
    assert len(el) == 24 and el.names[0] == "W-00-00" and el.names[-1] == "W-05-03"
    np.testing.assert_allclose(np.degrees(el.raan_rad[::4]), np.arange(6) * 60.0, atol=1e-12)
    np.testing.assert_allclose(np.degrees(el.mean_anomaly_rad[:4]), [0, 90, 180, 270], atol=1e-12)
    np.testing.assert_allclose(np.degrees(el.mean_anomaly_rad[4]), 2 * 360 / 24, atol=1e-12)
    star = ow.walker(24, 6, 2, altitude_m=700e3, inclination_deg=55.0, pattern="star")
    np.testing.assert_allclose(np.degrees(star.raan_rad[::4]), np.arange(6) * 30.0, atol=1e-12)
    np.testing.assert_allclose(el.semi_major_axis_m, 6378137.0 + 700e3)
    assert math.degrees(el.inclination_rad[0]) == pytest.approx(55.0)
