"""A small driver of the core with every model on, for instruction-count profiles.

Runs ``Twin.advance`` on N compute-node satellites (Walker 53 deg at 550 km)
with radiation (AE8/AP8 solar maximum, 3 mm Al) and 4 ground stations, and
prints satellite-steps/s. Under callgrind only the advance is collected::

    valgrind --tool=callgrind --toggle-collect='orbitwin::Twin::advance*' \\
        python benchmarks/profile_core.py --satellites 2000 --hours 0.5 --threads 1
    callgrind_annotate --inclusive=yes callgrind.out.<pid> | grep orbitwin::

Instruction counts are stable on a shared machine where wall times are not;
benchmarks/README.md lists the per-model counts this gives.
"""

from __future__ import annotations

import argparse
import os
import time

import orbitwin


def every_model_twin(satellites: int, threads: int) -> orbitwin.Twin:
    """B1's fleet, started: compute nodes on a Walker shell (53 deg, 550 km) with
    every model on (AE8/AP8 solar maximum behind 3 mm Al, 4 ground stations)."""
    planes = 100 if satellites % 100 == 0 and satellites >= 1000 else 1
    twin = orbitwin.Twin("2024-05-13T00:00:00Z", step="10s", threads=threads)
    twin.add_fleet(
        "shell",
        orbitwin.walker(
            satellites, planes, 1 if planes > 1 else 0, altitude_m=550e3, inclination_deg=53.0
        ),
        design=orbitwin.compute_node(),
    )
    twin.set_ground_stations(orbitwin.DEFAULT_STATIONS[:4])
    twin.enable_radiation("shell", orbitwin.RadiationConfig(solar="max", shield_mm=3.0))
    twin.start()
    return twin


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--satellites", type=int, default=2000)
    ap.add_argument("--hours", type=float, default=0.5, help="span advanced [h] at a 10 s step")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    n = args.satellites
    twin = every_model_twin(n, args.threads)
    t0 = time.perf_counter()
    res = twin.advance(by=f"{args.hours}h")
    wall = time.perf_counter() - t0
    rate = n * res.steps / wall
    print(
        f"{n:,} satellites, {res.steps} steps, {args.threads} thread(s): "
        f"{rate / 1e6:.2f} M sat-steps/s, {1e9 / rate:.0f} ns per satellite-step "
        f"(load average {os.getloadavg()[0]:.2f})"
    )


if __name__ == "__main__":
    main()
