"""Thread scaling of the core: every model on, 1 to N threads.

Times ``Twin.advance`` for the compute-node fleet of B1 (Walker 53 deg at
550 km, orbit, eclipse, attitude, thermal, power, radiation, compute payload,
4 ground stations, 10 s step, no recorder) with each thread count, and prints
satellite-steps per second, the speed-up over 1 thread and the parallel
efficiency. It also hashes the whole state after each run: the twin promises
bit-identical results whatever the thread count, and the last line says
whether that held.

Figures, never assertions::

    python benchmarks/bench_threads.py          # 10,000 satellites, 1 .. cpu_count threads
    python benchmarks/bench_threads.py --satellites 100000 --threads 1 2 4 8 16
    python benchmarks/bench_threads.py --quick  # 1,000 satellites, 1 and 2 threads
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

import orbitwin
from orbitwin.checkpoint import state_digest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from profile_core import every_model_twin  # noqa: E402


def default_threads() -> list[int]:
    """1, 2, 4, ... up to the CPU count (which is always included)."""
    cpus = os.cpu_count() or 1
    counts = [1]
    while counts[-1] * 2 <= cpus:
        counts.append(counts[-1] * 2)
    if counts[-1] != cpus:
        counts.append(cpus)
    return counts


def run(satellites: int, threads: int, hours: float, repeats: int) -> tuple[float, str]:
    """Best satellite-steps/s of the core over ``hours``, and the final state's digest."""
    best, digest = math.inf, ""
    for _ in range(repeats):
        twin = every_model_twin(satellites, threads)
        t0 = time.perf_counter()
        res = twin.advance(by=f"{hours}h")
        best = min(best, time.perf_counter() - t0)
        steps = res.steps
        digest = state_digest(twin)
    return satellites * steps / best, digest


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--satellites", type=int, default=10_000)
    ap.add_argument("--hours", type=float, default=2.0, help="span advanced [h] at a 10 s step")
    ap.add_argument(
        "--threads",
        type=int,
        nargs="+",
        default=None,
        help="thread counts (default 1, 2, 4, ... up to the CPU count)",
    )
    ap.add_argument("--repeats", type=int, default=2, help="best of N runs per thread count")
    ap.add_argument("--quick", action="store_true", help="a smoke run of a few seconds")
    args = ap.parse_args(argv)
    if args.quick:
        args.satellites, args.hours, args.threads, args.repeats = 1000, 0.1, [1, 2], 1
    counts = args.threads or default_threads()

    print(
        f"orbitwin {orbitwin.__version__}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f} at start; {args.satellites:,} compute nodes, every model, "
        f"{args.hours} h at 10 s, best of {args.repeats}"
    )
    run(min(args.satellites, 500), 1, 0.05, 1)  # warm-up: imports and radiation tables
    base = None
    digests = set()
    header = ("threads", "M sat-steps/s", "ns/sat-step", "speed-up", "efficiency")
    print(" ".join(f"{h:>{w}}" for h, w in zip(header, (8, 14, 12, 9, 11), strict=True)))
    for threads in counts:
        rate, digest = run(args.satellites, threads, args.hours, args.repeats)
        digests.add(digest)
        base = base or rate / threads
        speedup = rate / base
        print(
            f"{threads:>8} {rate / 1e6:>14.2f} {1e9 / rate:>12.1f} {speedup:>9.2f} "
            f"{100 * speedup / threads:>10.0f}%"
        )
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    print(
        "state after the run: "
        + (
            "bit-identical for every thread count"
            if len(digests) == 1
            else f"DIFFERS between thread counts ({len(digests)} digests)"
        )
    )


if __name__ == "__main__":
    main()
