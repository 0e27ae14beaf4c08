"""Faults: targets by index, name, plane and at random (seeded); attitude loss
changes what it should and nothing else; random failures follow their rate."""

from __future__ import annotations

import math

import numpy as np
import pytest

import orbitwin as ow
from orbitwin import faults
from orbitwin.faults import Target
from orbitwin.master import Simulation

NS = 10**9


def _sim(seed: int = 7) -> Simulation:
    tw = ow.Twin("2024-05-13T00:00:00Z", step="10s")
    tw.add_fleet("w", ow.walker(40, 5, 1, altitude_m=550e3, inclination_deg=53.0))
    return Simulation(tw, seed=seed)


def test_targets_by_index_name_plane_and_random() -> None:
    sim = _sim()
    names = sim.twin.fleet("w").names
    assert Target("w", index=[3, 1, 3]).resolve(sim).tolist() == [1, 3]
    assert Target("w", names=[names[5], names[0]]).resolve(sim).tolist() == [0, 5]
    assert Target("w", plane=2).resolve(sim).tolist() == list(range(16, 24))
    assert Target("w").resolve(sim).size == 40
    a = Target("w", random=6).resolve(sim, "k")
    assert a.size == 6 and np.array_equal(a, Target("w", random=6).resolve(_sim(), "k"))
    assert not np.array_equal(a, Target("w", random=6).resolve(_sim(seed=8), "k"))


@pytest.mark.parametrize(
    ("target", "words"),
    [
        (Target("w", names=["NOPE"]), "'NOPE' is not in fleet 'w'"),
        (Target("w", index=[40]), "index 40 .* allowed: 0 to 39"),
        (Target("w", plane=9), "plane .* no satellites"),
        (Target("w", random=41), "random=41 .* allowed: 1 to 40"),
        (Target("x"), "no fleet 'x'"),
        (Target("w", index=1, plane=1), "at most one"),
    ],
)
def test_unknown_targets_are_clear_errors(target: Target, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        target.resolve(_sim())


def _state(sim: Simulation) -> dict[str, np.ndarray]:
    f = sim.twin.fleet("w")
    return {name: np.array(f._core.view(name)) for name in f.channels}


def test_safe_mode_changes_the_targets_and_nothing_else() -> None:
    clean, hit = _sim(), _sim()
    hit.process(faults.attitude_loss(at=125, target=Target("w", index=[2, 9]), mode="safe")(hit))
    clean.run(600 * NS)
    hit.run(600 * NS)
    a, b = _state(clean), _state(hit)
    others = np.setdiff1d(np.arange(40), [2, 9])
    for name in a:
        assert a[name][others].tobytes() == b[name][others].tobytes(), name
    assert b["attitude.mode"][[2, 9]].tolist() == [1, 1]
    changed = [n for n in a if a[n][[2, 9]].tobytes() != b[n][[2, 9]].tobytes()]
    assert sorted(changed) == ["attitude.body_axes", "attitude.mode"]
    (event,) = hit.events
    assert (event.time_ns, event.kind, event.satellites) == (125 * NS, "attitude_loss", (2, 9))


def test_tumble_rotates_at_the_commanded_rate() -> None:
    """The frame's rotation angle over 10 s equals rate x 10 s (Rodrigues, exact)."""
    sim = _sim()
    rate = 3.0  # deg/s
    sim.process(faults.attitude_loss(at=60, target=Target("w", index=[4]), rate_deg_s=rate)(sim))
    sim.run(60 * NS)
    sim.run(61 * NS)  # the fault acts at 60 s, after the advance to 60 s
    f = sim.twin.fleet("w")
    held = f.param("attitude.inertial_axes")[4].copy()
    sim.run(70 * NS)
    now = f.state("attitude.body_axes")[4]
    rot = now.T @ held  # maps held axes onto current (both rows = body axes in ECI)
    angle = math.degrees(math.acos(np.clip((np.trace(rot) - 1) / 2, -1, 1)))
    assert angle == pytest.approx(rate * 10.0, abs=1e-9)
    assert np.allclose(now @ now.T, np.eye(3), atol=1e-12)
    assert f.param("attitude.mode")[4] == 3


def test_random_failures_follow_their_rate_and_seed() -> None:
    """Rate 8,760 per year (mean onset 1 h) over 3 h: each onset is the seeded
    exponential draw, and the count is n (1 - exp(-3)) within Poisson spread."""
    n, hours = 40, 3.0

    def run(seed: int) -> Simulation:
        sim = _sim(seed)
        sim.process(
            faults.random_failures(
                "w",
                rate_per_year=8760.0,
                fault=lambda at, t: faults.attitude_loss(at=at, target=t, mode="safe"),
                key="adcs",
            )(sim)
        )
        sim.run(int(hours * 3600) * NS)
        return sim

    sim = run(11)
    rng = faults.counter_rng(11, "random_failures", "w", "adcs")
    onset = rng.exponential(faults.SECONDS_PER_YEAR / 8760.0, n)
    expected = np.sort(onset[onset <= hours * 3600])
    got = np.array([e.time_ns for e in sim.events]) / NS
    assert np.allclose(got, np.round(expected * NS) / NS, atol=1e-9)
    mean = n * (1 - math.exp(-hours))
    assert abs(len(sim.events) - mean) < 4 * math.sqrt(mean)
    assert [e.time_ns for e in run(11).events] == [e.time_ns for e in sim.events]
    assert [e.time_ns for e in run(12).events] != [e.time_ns for e in sim.events]


def test_bad_fault_parameters() -> None:
    with pytest.raises(ValueError, match="mode"):
        faults.attitude_loss(at=1, target=Target("w"), mode="spin")
    with pytest.raises(ValueError, match="rate_deg_s"):
        faults.attitude_loss(at=1, target=Target("w"), rate_deg_s=-1)
    with pytest.raises(ValueError, match="rate_per_year"):
        faults.random_failures("w", -1.0, lambda a, t: None, key="x")


# --------------------------------------------------------------------------- design faults


def _designed(seed: int = 3, n: int = 16, stations=()) -> Simulation:
    from orbitwin import design

    tw = ow.Twin("2024-05-13T00:00:00Z", step="10s")
    tw.add_fleet(
        "c",
        ow.walker(n, 4, 1, altitude_m=550e3, inclination_deg=53.0),
        design=design.compute_node(),
    )
    if stations:
        tw.set_ground_stations(stations)
    return Simulation(tw, seed=seed)


def test_parameter_faults_change_their_parameter_for_the_targets_only() -> None:
    sim = _designed()
    f = sim.twin.fleet("c")
    before = {
        ch: f.param(ch).copy()
        for ch in (
            "radiator.emissivity",
            "power.array_efficiency",
            "power.array_area",
            "power.battery_capacity",
        )
    }
    t = Target("c", index=[1, 5])
    for fault in (
        faults.radiator_degradation(at="10min", target=t, factor=0.5),
        faults.solar_array_degradation(at="10min", target=t, factor=0.8),
        faults.solar_array_string_loss(at="10min", target=t, strings_lost=2, strings=10),
        faults.battery_fade(at="10min", target=t, factor=0.9),
    ):
        sim.process(fault(sim))
    sim.run(20 * 60 * NS)
    expected = {
        "radiator.emissivity": 0.5,
        "power.array_efficiency": 0.8,
        "power.array_area": 0.8,
        "power.battery_capacity": 0.9,
    }
    others = np.setdiff1d(np.arange(16), [1, 5])
    for ch, factor in expected.items():
        now = f.param(ch)
        assert np.allclose(now[[1, 5]], before[ch][[1, 5]] * factor, rtol=1e-15)
        assert np.array_equal(now[others], before[ch][others])
    kinds = [e.kind for e in sim.events]
    assert kinds == [
        "radiator_degradation",
        "solar_array_degradation",
        "solar_array_string_loss",
        "battery_fade",
    ]
    assert all(e.time_ns == 600 * NS and e.satellites == (1, 5) for e in sim.events)


def test_degraded_radiator_runs_hotter() -> None:
    clean, hit = _designed(), _designed()
    hit.process(faults.radiator_degradation(at=0, target=Target("c", index=[0]), factor=0.3)(hit))
    clean.run(3 * 3600 * NS)
    hit.run(3 * 3600 * NS)
    tc = clean.twin.fleet("c").state("thermal.temperature")
    th = hit.twin.fleet("c").state("thermal.temperature")
    assert th[0].max() > tc[0].max() + 5.0
    assert np.array_equal(th[1:], tc[1:])


def test_heater_stuck_off_draws_nothing() -> None:
    sim = _designed()
    sim.process(faults.heater_stuck(at=0, target=Target("c"), on=False)(sim))
    f = sim.twin.fleet("c")
    drawn = []
    for k in range(1, 13):
        sim.run(k * 900 * NS)
        drawn.append(f.state("power.heater").copy())
    assert np.all(np.array(drawn) == 0.0)
    assert (f.param("thermal.heater_power") == 0).all()


def test_ground_station_outage_stops_its_contacts() -> None:
    stations = (ow.GroundStation("Mid", 45.0, 0.0, 0.0, 5.0),)
    sim = _designed(n=64, stations=stations)
    f = sim.twin.fleet("c")
    sim.process(faults.ground_station_outage(at="30min", duration="2h", station="Mid")(sim))
    seen_during, seen_before = [], []
    for k in range(1, 31):
        sim.run(k * 300 * NS)
        t = sim.now_ns / NS
        visible = bool(f.state("ground.visible").any())
        (seen_during if 1800 < t <= 1800 + 7200 else seen_before).append(visible)
    assert not any(seen_during) and any(seen_before)
    assert [e.details for e in sim.events] == ["station=Mid start", "station=Mid end"]
    with pytest.raises(ValueError, match="'Nowhere' is not in the scenario"):
        bad = _designed(stations=stations)
        bad.process(faults.ground_station_outage(at=0, duration=1, station="Nowhere")(bad))
        bad.run(NS)


def test_gradual_degradation_compounds_to_its_yearly_rate() -> None:
    sim = _designed(n=4)
    f = sim.twin.fleet("c")
    cap0 = f.param("power.battery_capacity").copy()
    sim.process(faults.gradual("battery_fade", "c", "power.battery_capacity", 0.2, every="6h")(sim))
    sim.run(10 * 86400 * NS)  # 40 compoundings
    expected = cap0 * (1 - 0.2) ** (40 * 6 * 3600 / faults.SECONDS_PER_YEAR)
    assert np.allclose(f.param("power.battery_capacity"), expected, rtol=1e-12)
