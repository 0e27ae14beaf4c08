"""The compute payload: energy per operation, throttling on the junction
temperature, no work while off, data conservation and downlink during contacts,
coupling to radiation outages, batch jobs and geographic demand."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import orbitwin as ow
from orbitwin import compute, design
from orbitwin.faults import Target
from orbitwin.master import Simulation

NS = 10**9
EPOCH = "2024-05-13T00:00:00Z"


def _fleet(payload: compute.ComputePayload | None = None, n: int = 64, stations=(), step="10s"):
    d = design.compute_node()
    if payload is not None:
        d = dataclasses.replace(d, compute=payload)
    tw = ow.Twin(EPOCH, step=step)
    f = tw.add_fleet(
        "c", ow.walker(n, math.gcd(n, 8), 1, altitude_m=550e3, inclination_deg=53.0), design=d
    )
    if stations:
        tw.set_ground_stations(stations)
    return tw, f


def _data_payload(**extra) -> compute.ComputePayload:
    """A payload that takes 800 Mbit/s of raw data, processes it at 2 Tera-op per Mbit
    into results 50 times smaller, stores 2,000 Gbit and downlinks 500 Mbit/s."""
    return compute.ComputePayload(
        data_rate_mbps=800.0,
        tera_ops_per_mbit=2.0,
        reduction_ratio=50.0,
        storage_gbit=2000.0,
        downlink_mbps=500.0,
        **extra,
    )


def test_payload_energy_is_work_times_energy_per_op_plus_idle() -> None:
    """Cold payload (no throttling): E = idle energy + work (P_peak - P_idle) / R_peak,
    to 1e-9 relative, and the idle energy is N P_idle t."""
    p = compute.ComputePayload(
        accelerators=3,
        idle_power_w=50.0,
        peak_power_w=300.0,
        peak_tops=200.0,
        demand=0.7,
        throttle_start_k=440.0,
        junction_limit_k=470.0,
    )
    tw, f = _fleet(p)
    tw.advance(by="3h")
    e_op = (300.0 - 50.0) / (200.0 * 1e12)
    work = f.state("compute.work_ops")
    energy = f.state("compute.energy")
    idle = f.state("compute.idle_energy")
    on = f.state("compute.off_time") == 0
    assert on.sum() > 0
    assert np.allclose(energy[on], idle[on] + work[on] * e_op, rtol=1e-9)
    assert np.allclose(idle[on], 3 * 50.0 * 3 * 3600.0, rtol=1e-9)
    assert np.allclose(work[on], 3 * 200e12 * 0.7 * 3 * 3600.0, rtol=1e-9)


def test_throttling_keeps_the_junction_at_or_below_its_limit() -> None:
    """A radiator that lost most of its emissivity: the payload heats up, throttles,
    and the junction never passes its limit while work continues at a lower rate."""
    tw, f = _fleet(n=32)
    f.param("radiator.emissivity")[:] = 0.15
    limit = f.param("compute.junction_limit")[0]
    peak_j = np.zeros(f.size)
    throttled = False
    for _ in range(36):
        tw.advance(by="10min")
        tj = f.state("compute.junction_temperature")
        peak_j = np.maximum(peak_j, tj)
        throttled |= bool((f.state("compute.clock") < 1).any())
    assert throttled
    assert peak_j.max() <= limit
    assert peak_j.max() > limit - 10.0  # it really ran hot
    assert (f.state("compute.throttled_time") > 0).all()
    rate = f.state("compute.throughput")
    assert (rate > 0).all() and (rate < 2000e12).all()


def test_no_work_while_the_payload_is_off() -> None:
    tw, f = _fleet(n=16)
    tw.advance(by="20min")
    before = f.state("compute.work_ops").copy()
    f.param("compute.enabled")[:8] = 0
    tw.advance(by="30min")
    after = f.state("compute.work_ops")
    assert np.array_equal(after[:8], before[:8])
    assert (after[8:] > before[8:]).all()
    assert (f.state("compute.state")[:8] == 0).all()
    assert (f.state("compute.power")[:8] == 0).all()


def test_data_is_conserved_and_downlinked_only_in_contact() -> None:
    """generated = processed + stored raw + dropped; processed / ratio = downlinked +
    stored results (to 1e-9); downlink only while a station is visible; processing in
    orbit shrinks what must be sent by the reduction ratio."""
    p = _data_payload(data_driven=True)
    tw, f = _fleet(p, n=40, stations=ow.DEFAULT_STATIONS)
    saw_contact = saw_no_contact = False
    for _ in range(24):
        down0 = f.state("data.downlinked").copy()
        tw.advance(by="5min")
        best = f.state("ground.best_station")
        moved = f.state("data.downlinked") - down0
        if (best >= 0).any():
            saw_contact = True
        saw_no_contact |= bool(((best < 0) & (moved == 0)).any())
    gen = f.state("data.generated")
    proc = f.state("data.processed")
    assert np.allclose(gen, proc + f.state("data.raw_stored") + f.state("data.dropped"), rtol=1e-9)
    assert np.allclose(
        proc / 50.0, f.state("data.downlinked") + f.state("data.results_stored"), rtol=1e-9
    )
    assert saw_contact and saw_no_contact
    assert f.state("data.downlinked").sum() > 0
    # The seed question: raw data would need gen bits of downlink; results need gen / 50.
    assert f.state("data.downlinked").sum() <= gen.sum() / 50.0 + 1e-6


def test_downlink_is_the_same_for_one_advance_and_one_step_per_advance() -> None:
    """Before an advance's last step the ground kernel finds the best station from
    the sines of the elevations (the elevations are written at that step); with one
    step per advance every step takes the full pass. Byte-identical either way."""
    p = _data_payload()
    names = ("data.downlinked", "data.results_stored", "ground.best_station", "ground.elevation")
    runs = []
    for steps_per_advance in (360, 1):
        tw, f = _fleet(p, n=40, stations=ow.DEFAULT_STATIONS, step="30s")
        for _ in range(360 // steps_per_advance):
            tw.advance(by=30.0 * steps_per_advance)
        runs.append({name: f.state(name).copy() for name in names})
    assert runs[0]["data.downlinked"].sum() > 0
    for name in names:
        assert runs[0][name].tobytes() == runs[1][name].tobytes(), name


def test_accelerator_failure_scales_throughput() -> None:
    tw, f = _fleet(n=8)
    sim = Simulation(tw, seed=1)
    sim.process(
        compute.accelerator_failure(at="10min", target=Target("c", index=[2]), count=1)(sim)
    )
    sim.run(20 * 60 * NS)
    rate = f.state("compute.throughput")
    assert rate[2] == pytest.approx(0.75 * rate[3], rel=1e-12)
    assert f.param("compute.working")[2] == 3
    assert sim.events[0].kind == "accelerator_failure"


def test_commanded_reboot_stops_work_until_it_ends() -> None:
    """compute.reboot_until (faults, operations) holds the payload in state 3 with no work."""
    tw, f = _fleet(n=4)
    tw.advance(by="10min")
    f.param("compute.reboot_until")[1] = tw.time_s + 300.0
    w0 = f.state("compute.work_ops").copy()
    tw.advance(by="4min")
    assert f.state("compute.state")[1] == 3
    assert f.state("compute.work_ops")[1] == w0[1]
    assert f.state("compute.work_ops")[0] > w0[0]
    tw.advance(by="3min")
    assert f.state("compute.state")[1] in (1, 2)


def test_batch_jobs_lose_work_since_the_last_checkpoint() -> None:
    tw, f = _fleet(n=8)
    sim = Simulation(tw, seed=1)
    stats = compute.BatchJobStats(np.zeros(8, int), np.zeros(8), np.zeros(8))
    sim.process(
        compute.batch_jobs("c", job_tera_ops=5e5, checkpoint_interval="5min", stats=stats)(sim)
    )

    def outage(sim):
        yield sim.at("12min")
        f.param("compute.enabled")[0] = 0
        yield sim.at("13min")
        f.param("compute.enabled")[0] = 1

    sim.process(outage(sim))
    sim.run(60 * 60 * NS)
    assert stats.lost_ops[0] > 0 and (stats.lost_ops[1:] == 0).all()
    assert stats.completed[0] < stats.completed[1]
    assert (stats.completed[1:] > 0).all()
    assert any(e.kind == "job_done" for e in sim.events)


def test_geographic_demand_follows_the_sub_satellite_point() -> None:
    tw, f = _fleet(n=64)
    grid = compute.demand_grid_from_boxes([(-90.0, 0.0, -180.0, 180.0)])  # southern hemisphere
    f._core.set_demand_grid(grid)
    tw.advance(by="17min")
    south = f.state("orbit.latitude") < np.radians(-0.6)
    north = f.state("orbit.latitude") > np.radians(0.6)
    u = f.state("compute.utilisation")
    assert (u[south] == 1.0).all() and (u[north] == 0.0).all()


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"accelerators": 0}, "accelerators is 0"),
        ({"peak_power_w": 10.0, "idle_power_w": 20.0}, "peak_power_w is 10.0"),
        ({"junction_limit_k": 350.0}, "junction_limit_k is 350.0"),
        ({"demand": 1.5}, "demand is 1.5"),
        ({"reduction_ratio": 0.5}, "reduction_ratio is 0.5"),
    ],
)
def test_bad_payload_parameters_name_the_field(kwargs: dict, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        compute.ComputePayload(**kwargs)


def _irradiated(tmp_path, device):
    from orbitwin import radiation

    tw, f = _fleet(n=16)
    cfg = radiation.RadiationConfig(
        device=device, seed=3, dlat_deg=10.0, dlon_deg=10.0, cache_dir=str(tmp_path)
    )
    tw.enable_radiation("c", cfg)
    tw.advance(by="30min")
    return f


def test_radiation_outages_reach_the_payload(tmp_path) -> None:
    """With the radiation model on and a device prone to functional interrupts:
    wherever status bit 8 is set the payload is rebooting with no throughput."""
    from orbitwin import radiation

    flaky = radiation.SeeResponse(1.0, 1e-2, 0.5, 5.0, 1.5, 1.0, False, 600.0)
    f = _irradiated(tmp_path, radiation.Device(functional_interrupt=flaky))
    outage = (f.state("status.flags") & (1 << 8)) != 0
    assert outage.any()
    assert (f.state("compute.state")[outage] == 3).all()
    assert (f.state("compute.throughput")[outage] == 0).all()
    assert (f.state("compute.throughput")[~outage] > 0).all()


def test_total_dose_failure_fails_the_payload(tmp_path) -> None:
    """A device whose dose tolerance is passed (status bit 9) leaves the payload failed."""
    from orbitwin import radiation

    f = _irradiated(tmp_path, radiation.Device(tid_tolerance_gy=1e-6))
    failed = (f.state("status.flags") & (1 << 9)) != 0
    assert failed.any()
    assert (f.state("compute.state")[failed] == 4).all()
    assert (f.state("compute.power")[failed] == 0).all()
    assert (f.state("compute.state")[~failed] != 4).all()
