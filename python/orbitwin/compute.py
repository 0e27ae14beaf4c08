"""The compute payload and its workload: accelerators, throttling, data and jobs.

A :class:`ComputePayload` describes a satellite's accelerators (count, idle and
peak power, peak throughput, throttle curve on the junction temperature) and
the data it processes (raw data rate, operations per bit, reduction ratio,
storage, downlink rate). The core steps it every step, coupled to the thermal
network (the payload node's temperature sets the junction temperature; the
payload's power heats that node) and to the power system (which delivers or
sheds the power it asks for). Validated in ``tests/test_compute.py``:
payload energy equals work times energy per operation plus idle; throttling
holds the junction at or below its limit; no work while off.

Workloads: a constant demand per satellite (``fleet.param("compute.demand")``,
writable, so SimPy processes can change it), a geographic demand grid at the
sub-satellite point (:func:`demand_grid_from_boxes`), and batch jobs with a
size and a checkpoint interval (:func:`batch_jobs`), where an outage loses the
work done since the last checkpoint.
"""

from __future__ import annotations

import numbers
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

TERA = 1e12


def _check(name: str, value: float, lo: float, hi: float, unit: str = "") -> None:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and lo <= value <= hi
    if not ok:
        u = f" {unit}" if unit else ""
        raise ValueError(f"ComputePayload.{name} is {value!r}; allowed: {lo:g} to {hi:g}{u}")


@dataclass(frozen=True)
class ComputePayload:
    """Accelerators and the data they process (per satellite)."""

    accelerators: int = 4  #: [-] 1..1024
    idle_power_w: float = 60.0  #: [W] per accelerator, 0..5000
    peak_power_w: float = 350.0  #: [W] per accelerator at full clock and load
    peak_tops: float = 400.0  #: [TOPS] = 1e12 op/s per accelerator
    throttle_start_k: float = 358.15  #: [K] junction temperature where throttling starts
    junction_limit_k: float = 373.15  #: [K] clock gated at this junction temperature
    power_exponent: float = 2.0  #: [-] dynamic power ~ clock^p, 1..3
    junction_offset_k_per_w: float = 0.02  #: [K/W] junction above the cold plate per watt
    reboot_time_s: float = 120.0  #: [s] downtime after a functional interrupt
    demand: float = 1.0  #: [-] utilisation demanded, 0..1
    data_driven: bool = False  #: utilisation limited by the raw data waiting
    data_rate_mbps: float = 0.0  #: [Mbit/s] raw data generated (e.g. imaging)
    tera_ops_per_mbit: float = 1.0  #: [Tera-op per Mbit] to process raw data
    reduction_ratio: float = 100.0  #: [-] raw bits per result bit
    storage_gbit: float = 8000.0  #: [Gbit] on-board storage
    downlink_mbps: float = 1200.0  #: [Mbit/s] while a station is in view

    def __post_init__(self) -> None:
        _check("accelerators", self.accelerators, 1, 1024)
        if not isinstance(self.accelerators, int | np.integer):
            raise ValueError(
                f"ComputePayload.accelerators is {self.accelerators!r}; allowed: an integer"
            )
        _check("idle_power_w", self.idle_power_w, 0.0, 5000.0, "W")
        _check("peak_power_w", self.peak_power_w, self.idle_power_w, 5000.0, "W")
        _check("peak_tops", self.peak_tops, 1e-6, 1e6, "TOPS")
        _check("throttle_start_k", self.throttle_start_k, 250.0, 450.0, "K")
        _check("junction_limit_k", self.junction_limit_k, self.throttle_start_k + 0.1, 475.0, "K")
        _check("power_exponent", self.power_exponent, 1.0, 3.0)
        _check("junction_offset_k_per_w", self.junction_offset_k_per_w, 0.0, 1.0, "K/W")
        _check("reboot_time_s", self.reboot_time_s, 0.0, 86400.0, "s")
        _check("demand", self.demand, 0.0, 1.0)
        _check("data_rate_mbps", self.data_rate_mbps, 0.0, 1e6, "Mbit/s")
        _check("tera_ops_per_mbit", self.tera_ops_per_mbit, 1e-12, 1e6)
        _check("reduction_ratio", self.reduction_ratio, 1.0, 1e9)
        _check("storage_gbit", self.storage_gbit, 0.0, 1e7, "Gbit")
        _check("downlink_mbps", self.downlink_mbps, 0.0, 1e6, "Mbit/s")

    @property
    def peak_power_total_w(self) -> float:
        return self.accelerators * self.peak_power_w

    def core_fields(self) -> dict[str, Any]:
        """The fields as the core's ComputeDesign takes them (SI units)."""
        return {
            "accelerators": int(self.accelerators),
            "idle_power_w": float(self.idle_power_w),
            "peak_power_w": float(self.peak_power_w),
            "peak_ops_per_s": float(self.peak_tops) * TERA,
            "throttle_start_k": float(self.throttle_start_k),
            "junction_limit_k": float(self.junction_limit_k),
            "power_exponent": float(self.power_exponent),
            "junction_offset_k_per_w": float(self.junction_offset_k_per_w),
            "reboot_time_s": float(self.reboot_time_s),
            "demand": float(self.demand),
            "data_driven": int(bool(self.data_driven)),
            "data_rate_bps": float(self.data_rate_mbps) * 1e6,
            "ops_per_bit": float(self.tera_ops_per_mbit) * TERA / 1e6,
            "reduction_ratio": float(self.reduction_ratio),
            "storage_bits": float(self.storage_gbit) * 1e9,
            "downlink_bps": float(self.downlink_mbps) * 1e6,
        }


def demand_grid_from_boxes(
    boxes: Sequence[tuple[float, float, float, float]],
    inside: float = 1.0,
    outside: float = 0.0,
    resolution_deg: float = 1.0,
) -> np.ndarray:
    """A geographic demand grid (rows -90..90 deg latitude, columns -180..180 deg
    longitude) that is ``inside`` within any (lat_min, lat_max, lon_min, lon_max)
    box [deg] and ``outside`` elsewhere; the core reads it at the sub-satellite
    point (nearest cell)."""
    _check("resolution_deg", resolution_deg, 0.05, 30.0, "deg")
    n_lat = int(round(180.0 / resolution_deg))
    n_lon = int(round(360.0 / resolution_deg))
    lat = -90.0 + (np.arange(n_lat) + 0.5) * 180.0 / n_lat
    lon = -180.0 + (np.arange(n_lon) + 0.5) * 360.0 / n_lon
    grid = np.full((n_lat, n_lon), float(outside))
    for k, (la0, la1, lo0, lo1) in enumerate(boxes):
        if not (-90 <= la0 < la1 <= 90 and -180 <= lo0 < lo1 <= 180):
            raise ValueError(
                f"demand box {k} is {(la0, la1, lo0, lo1)}; allowed: lat_min < lat_max in "
                "-90..90 and lon_min < lon_max in -180..180 deg"
            )
        rows = (lat >= la0) & (lat < la1)
        cols = (lon >= lo0) & (lon < lo1)
        grid[np.ix_(rows, cols)] = float(inside)
    return grid


@dataclass
class BatchJobStats:
    """Batch-job accounting kept by :func:`batch_jobs` (arrays per satellite)."""

    completed: np.ndarray
    lost_ops: np.ndarray
    done_ops: np.ndarray


def batch_jobs(
    fleet: str,
    job_tera_ops: float,
    checkpoint_interval: float | str,
    stats: BatchJobStats | None = None,
) -> Any:
    """A SimPy process: every satellite of ``fleet`` works through back-to-back jobs
    of ``job_tera_ops``, checkpointing every ``checkpoint_interval``; an outage
    (the payload off, rebooting or failed at any step since the last checkpoint)
    loses the work done since that checkpoint. Progress is accounted from the
    core's cumulative ``compute.work_ops`` and ``compute.off_time`` at each
    checkpoint, vectorised over satellites. Returns the process factory; its
    accounting lands in ``stats`` (and in the event log as ``job_done`` rows)."""
    from .timeutil import NS_PER_S, duration_ns

    _check("job_tera_ops", job_tera_ops, 1e-6, 1e12)
    interval_ns = duration_ns(checkpoint_interval, "checkpoint_interval")
    job_ops = job_tera_ops * TERA

    def process(sim: Any) -> Generator[Any, Any, None]:
        f = sim.twin.fleet(fleet)
        work = f.state("compute.work_ops")
        off = f.state("compute.off_time")
        n = f.size
        st = (
            stats
            if stats is not None
            else BatchJobStats(np.zeros(n, int), np.zeros(n), np.zeros(n))
        )
        if stats is None:
            sim.batch_job_stats = st
        st.completed = np.zeros(n, dtype=np.int64)
        st.lost_ops = np.zeros(n)
        st.done_ops = np.zeros(n)
        progress = np.zeros(n)  # ops into the current job, as of the last checkpoint
        last_work, last_off = work.copy(), off.copy()
        while True:
            yield sim.timeout(interval_ns / NS_PER_S)
            gained = work - last_work
            outage = off > last_off
            st.lost_ops += np.where(outage, gained, 0.0)
            progress += np.where(outage, 0.0, gained)
            finished = np.floor(progress / job_ops).astype(np.int64)
            if finished.any():
                sats = np.flatnonzero(finished)
                st.completed += finished
                st.done_ops += finished * job_ops
                progress -= finished * job_ops
                sim.log("job_done", fleet, sats, f"jobs of {job_tera_ops:g} Tera-op")
            last_work, last_off = work.copy(), off.copy()

    return process


def accelerator_failure(at: float | str, target: Any, count: int = 1) -> Any:
    """A fault: ``count`` accelerators of each target satellite fail at ``at``."""
    from .faults import Target
    from .timeutil import NS_PER_S, duration_ns

    if not isinstance(target, Target):
        raise ValueError(f"accelerator_failure target is {target!r}; allowed: a faults.Target")
    if not (isinstance(count, int) and count >= 1):
        raise ValueError(f"accelerator_failure count is {count!r}; allowed: an integer >= 1")
    at_ns = duration_ns(at, "fault time", allow_zero=True)

    def process(sim: Any) -> Generator[Any, Any, None]:
        yield sim.at(at_ns / NS_PER_S)
        fl = sim.twin.fleet(target.fleet)
        sats = target.resolve(sim, f"accelerator_failure@{at_ns}")
        working = fl.param("compute.working")
        working[sats] = np.maximum(working[sats] - count, 0)
        sim.log("accelerator_failure", fl.name, sats, f"accelerators_lost={count}")

    return process
