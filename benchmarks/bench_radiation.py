"""Step cost of the radiation model: a Walker constellation (default 10,000
satellites, 550 km, 53 deg) stepped at 10 s with radiation off and on, 1 and 2
threads.

With radiation on, every satellite-step also interpolates the 41 trapped
integral fluxes of the species its table cell holds (trilinear in log flux;
rows of a species the cell lacks are zero), computes the dipole cutoff, GCR and SPE terms,
takes the dose and three single-event dot products and draws the events from
the counter hash. Table setup (aep8 tabulation, cached on disk) is timed
separately and outside the step figures; the first evaluation at t = 0 is
outside the timing. It prints figures only; it never fails on timings.

Run ``python benchmarks/bench_radiation.py`` (about a minute on 2 cores) or
``--quick``; ``--help`` lists the options.
"""

from __future__ import annotations

import argparse
import os
import time

import orbitwin as ow

EPOCH = "2025-01-01T00:00:00Z"


def run(n: int, hours: float, threads: int, radiation: bool, repeats: int) -> float:
    """Best wall time [s] of advancing ``hours``."""
    best = float("inf")
    for _ in range(repeats):
        twin = ow.Twin(EPOCH, step=10.0, threads=threads)
        twin.add_fleet("c", ow.walker(n, 100, 1, altitude_m=550e3, inclination_deg=53.0))
        if radiation:
            twin.enable_radiation("c", ow.RadiationConfig())
        twin.start()
        t0 = time.perf_counter()
        twin.advance(by=hours * 3600.0)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--satellites", type=int, default=10_000)
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="1,000 satellites, 0.5 h")
    args = ap.parse_args()
    if args.quick:
        args.satellites, args.hours, args.repeats = 1000, 0.5, 1
    n = args.satellites - args.satellites % 100
    steps = round(args.hours * 360)
    print(
        f"orbitwin {ow.__version__}, openmp={ow._core.openmp}, cpus={os.cpu_count()}, "
        f"load={os.getloadavg()[0]:.2f}"
    )
    t0 = time.perf_counter()
    twin = ow.Twin(EPOCH, step=10.0)
    twin.add_fleet("c", ow.walker(n, 100, 1, altitude_m=550e3, inclination_deg=53.0))
    twin.enable_radiation("c", ow.RadiationConfig())
    print(f"radiation setup (tables from the cache when present): {time.perf_counter() - t0:.2f} s")
    print(f"{n} satellites, {steps} steps of 10 s")
    print(
        f"{'threads':>7} {'radiation':>9} {'ms/step':>9} {'Msat-steps/s':>13} {'ratio on/off':>12}"
    )
    for threads in (1, 2):
        off = run(n, args.hours, threads, False, args.repeats)
        on = run(n, args.hours, threads, True, args.repeats)
        for label, t in (("off", off), ("on", on)):
            ratio = f"{on / off:12.2f}" if label == "on" else ""
            rate = n * steps / t / 1e6
            print(f"{threads:>7} {label:>9} {1e3 * t / steps:9.3f} {rate:13.2f} {ratio}")


if __name__ == "__main__":
    main()
