"""Throughput of orbit + attitude + thermal network + power system.

10,000 compute-node satellites (orbitwin.design.compute_node: 5 nodes,
5 links, 9 faces, 1 heater) on a Walker 53 deg: 10000/100/1 shell at 550 km,
one simulated day at 10 s steps, with 1 and 2 threads; the orbit-only fleet
(no design) is the baseline. Prints satellite-steps per second (no assertions:
timings belong here, not in tests).

On a shared 2-core machine the 2-thread figures collapse whenever another
process holds a core (each step's parallel loop waits for both threads): the
orbit-only 2-thread line (~25 M/s when quiet) shows whether a run was quiet.

    python benchmarks/bench_thermal_power.py [--satellites N] [--hours H] [--step S] [--quick]
"""

from __future__ import annotations

import argparse
import time

import orbitwin as ow
from orbitwin.design import compute_node


def run(n: int, hours: float, step: float, threads: int, with_design: bool) -> float:
    tw = ow.Twin("2026-03-20T00:00:00Z", step=step, threads=threads)
    shell = ow.walker(n, 100, 1, altitude_m=550e3, inclination_deg=53.0)
    tw.add_fleet("compute", shell, design=compute_node() if with_design else None)
    tw.advance(by=step)  # start and warm up
    t0 = time.perf_counter()
    res = tw.advance(by=hours * 3600.0)
    elapsed = time.perf_counter() - t0
    return n * res.steps / elapsed


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--satellites", type=int, default=10_000)
    p.add_argument("--hours", type=float, default=24.0)
    p.add_argument("--step", type=float, default=10.0)
    p.add_argument("--quick", action="store_true", help="1,000 satellites, 0.5 h (seconds)")
    a = p.parse_args()
    if a.quick:
        a.satellites, a.hours = 1000, 0.5
    print(
        f"{a.satellites} satellites, {a.hours:g} h at {a.step:g} s "
        f"({round(a.hours * 3600 / a.step)} steps), OpenMP: {ow._core.openmp}"
    )
    for with_design, label in [(False, "orbit only           "), (True, "orbit+thermal+power  ")]:
        for threads in (1, 2):
            rate = run(a.satellites, a.hours, a.step, threads, with_design)
            print(f"{label} threads={threads}: {rate / 1e6:6.2f} M satellite-steps/s")


if __name__ == "__main__":
    main()
