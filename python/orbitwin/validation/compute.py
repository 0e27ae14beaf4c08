"""Compute-payload validation: the throttle curve and payload power against their
formulas, over satellites whose junctions span the throttle range."""

from __future__ import annotations

import dataclasses

import numpy as np

from . import Measurement, case


def throttle_curve_samples(n: int = 48, hours: float = 3.0) -> dict[str, np.ndarray]:
    """``n`` compute nodes with radiator emissivities from 0.10 to 0.88 (hot to
    nominal) and throttling from 330 K, sampled every 10 min for ``hours``: the
    junction temperature ``tj`` [K], ``clock``, ``throughput`` [op/s], ``power`` demand
    [W], ``utilisation`` and the payload's parameters, one row per sample."""
    import orbitwin as ow
    from orbitwin import design

    d = design.compute_node()
    d = dataclasses.replace(
        d,
        compute=dataclasses.replace(d.compute, throttle_start_k=330.0, junction_limit_k=373.15),
        battery=dataclasses.replace(d.battery, capacity_wh=5e4),  # never shed
    )
    tw = ow.Twin("2024-05-13T00:00:00Z", step="10s")
    f = tw.add_fleet("c", ow.walker(n, 8, 1, altitude_m=550e3, inclination_deg=53.0), design=d)
    f.param("radiator.emissivity")[:] = np.linspace(0.10, 0.88, n)
    names = {
        "tj": "compute.junction_temperature",
        "clock": "compute.clock",
        "throughput": "compute.throughput",
        "power": "compute.power",
        "state": "compute.state",
    }
    out: dict[str, list[np.ndarray]] = {k: [] for k in names}
    for _ in range(round(hours * 6)):
        tw.advance(by="10min")
        for k, ch in names.items():
            out[k].append(np.asarray(f.state(ch), dtype=np.float64).copy())
    res = {k: np.concatenate(v) for k, v in out.items()}
    p = d.compute
    res.update(
        start=np.array(p.throttle_start_k),
        limit=np.array(p.junction_limit_k),
        n_acc=np.array(float(p.accelerators)),
        peak_ops=np.array(p.peak_tops * 1e12),
        idle_w=np.array(p.idle_power_w),
        peak_w=np.array(p.peak_power_w),
        exponent=np.array(p.power_exponent),
        demand=np.array(p.demand),
    )
    return res


def throttle_formula(tj: np.ndarray, start_k: float, limit_k: float) -> np.ndarray:
    """Clock fraction: 1 below ``start_k``, linear to 0 at ``limit_k`` [K], clipped."""
    return np.clip((limit_k - tj) / (limit_k - start_k), 0.0, 1.0)


@case(
    "compute",
    "throttle_curve",
    reference="clock = clip((T_lim-T_j)/(T_lim-T_start), 0, 1); rate N R u clock; power formula",
)
def throttle_curve() -> Measurement:
    """Largest error of the clock fraction against the throttle formula at the
    junction temperature the core reports, and of the delivered throughput against
    N R_peak u clock (relative to N R_peak) and of the payload power against
    N (P_idle + (P_peak - P_idle) u clock^p) (relative to N P_peak), over 48
    satellites x 18 samples spanning unthrottled to deeply throttled; tolerance
    1e-12. At least a quarter of the samples must be throttled and some not."""
    d = throttle_curve_samples()
    clock_ref = throttle_formula(d["tj"], float(d["start"]), float(d["limit"]))
    running = d["state"] >= 1  # on or throttled
    clock_err = np.abs(d["clock"] - clock_ref)[running]
    full = float(d["n_acc"] * d["peak_ops"])
    rate_ref = full * float(d["demand"]) * d["clock"]
    rate_err = np.abs(d["throughput"] - rate_ref)[running] / full
    n, idle, peak = float(d["n_acc"]), float(d["idle_w"]), float(d["peak_w"])
    power_ref = n * (idle + (peak - idle) * float(d["demand"]) * d["clock"] ** d["exponent"])
    power_err = np.abs(d["power"] - power_ref)[running] / (n * peak)
    throttled = float(np.mean((clock_ref < 1.0) & running))
    worst = max(float(clock_err.max()), float(rate_err.max()), float(power_err.max()))
    if throttled < 0.25 or not np.any(running & (clock_ref == 1.0)):
        worst = float("inf")
    return Measurement(worst, 1e-12, "1", {"throttled_fraction": throttled})
