"""B1 and scaling: the whole twin, end to end and per satellite-step.

B1: 10,000 Walker satellites (550 km, 53 deg) with the compute-node design and
every model on (orbit, eclipse, attitude, thermal, power, radiation, compute
payload, 4 ground stations), one simulated day at a 10 s step, telemetry
every 60 s to HDF5 through ``orbitwin run``'s machinery. Prints the wall time
end to end, the core's satellite-steps per second, the time spent writing,
the file size, the state bytes per satellite and the peak memory.

Scaling: cost per satellite-step of the core (every model on) from 1,000 to
``--max-satellites`` satellites (default 1,000,000), with 1 and 2 threads, and the
peak memory reached at each size.

Figures, never assertions: run ``python benchmarks/bench_b1.py`` (``--quick``
for a smoke run of a few seconds).
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

import orbitwin
from orbitwin.run import run_scenario


def state_bytes_per_satellite(fleet: orbitwin.Fleet) -> int:
    """Bytes of every registered channel (state and parameters) per satellite."""
    total = 0
    for info in fleet.channels.values():
        total += np.dtype(info["dtype"]).itemsize * int(np.prod(info["shape"], dtype=np.int64))
    return total


def b1(
    satellites: int, duration: str, threads: int, out_dir: Path, record: bool = True
) -> dict[str, float]:
    """B1 through ``run_scenario``; ``record=False`` runs the same scenario with no
    telemetry channels, so the difference in wall time is what writing costs."""
    planes = 100 if satellites % 100 == 0 else 1
    scenario = orbitwin.Scenario(
        name="b1",
        epoch="2024-05-13T00:00:00Z",
        duration=duration,
        step="10s",
        output_every="60s",
        ground_stations=orbitwin.DEFAULT_STATIONS[:4],
        channels=orbitwin.scenario.DEFAULT_CHANNELS if record else (),
    )
    scenario.add_fleet(
        "shell",
        orbitwin.walker(satellites, planes, 1, altitude_m=550e3, inclination_deg=53.0),
        design=orbitwin.compute_node(),
        radiation=orbitwin.RadiationConfig(solar="max", shield_mm=3.0),
    )
    t0 = time.perf_counter()
    result = run_scenario(scenario, out_dir / "b1.h5", threads=threads, progress=False)
    wall = time.perf_counter() - t0
    twin = scenario.build(threads=1)
    return {
        "wall_s": wall,
        "core_s": result.timing["core"],
        "sink_s": result.timing["sink"],
        "write_s": result.timing["write"],
        "telemetry_mb": result.extra["telemetry_bytes"] / 1e6,
        "core_rate": result.core_rate,
        "file_mb": result.path.stat().st_size / 1e6,
        "state_bytes": float(state_bytes_per_satellite(twin.fleets[0])),
    }


def core_rate(satellites: int, threads: int, hours: float) -> float:
    """Satellite-steps per second of the core alone, every model on (no recorder)."""
    gc.collect()  # the previous size's twin is gone before this one is built (peak memory)
    planes = 100 if satellites % 100 == 0 else 1
    twin = orbitwin.Twin("2024-05-13T00:00:00Z", step="10s", threads=threads)
    twin.add_fleet(
        "shell",
        orbitwin.walker(satellites, planes, 1, altitude_m=550e3, inclination_deg=53.0),
        design=orbitwin.compute_node(),
    )
    twin.set_ground_stations(orbitwin.DEFAULT_STATIONS[:4])
    twin.enable_radiation("shell", orbitwin.RadiationConfig(solar="max", shield_mm=3.0))
    twin.start()
    steps = int(hours * 360)
    t0 = time.perf_counter()
    twin.advance(by=f"{hours}h")
    return satellites * steps / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--satellites", type=int, default=10_000)
    ap.add_argument("--duration", default="1d")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--max-satellites", type=int, default=1_000_000)
    ap.add_argument("--quick", action="store_true", help="a smoke run of a few seconds")
    args = ap.parse_args()
    if args.quick:
        args.satellites, args.duration, args.max_satellites = 500, "1h", 4_000

    print(f"load average {os.getloadavg()[0]:.2f} (figures on a busy machine are low)")
    with tempfile.TemporaryDirectory(dir=".") as tmp:
        b1(100, "10min", args.threads, Path(tmp))  # warm-up: imports, radiation tables
        r = b1(args.satellites, args.duration, args.threads, Path(tmp))
        bare = b1(args.satellites, args.duration, args.threads, Path(tmp), record=False)
    share = (r["wall_s"] - bare["wall_s"]) / r["wall_s"]
    print(
        f"B1: {args.satellites:,} compute nodes, {args.duration} at 10 s, every model, "
        f"{args.threads} thread(s)\n"
        f"  end to end {r['wall_s']:.1f} s (target < 20 s), core {r['core_s']:.1f} s "
        f"= {r['core_rate'] / 1e6:.2f} M satellite-steps/s (target >= 10 M)\n"
        f"  writing: the same run without telemetry takes {bare['wall_s']:.1f} s, so writing "
        f"costs {r['wall_s'] - bare['wall_s']:.1f} s = {100 * share:.0f} % of the wall time "
        f"(target <= 20 %); main thread {r['sink_s']:.1f} s, background thread "
        f"{r['write_s']:.1f} s for {r['telemetry_mb']:.0f} MB of telemetry "
        f"({r['telemetry_mb'] / max(r['write_s'], 1e-9):.0f} MB/s), "
        f"file {r['file_mb']:.0f} MB\n"
        f"  channel state {r['state_bytes']:.0f} bytes per satellite (target < 2,048)"
    )
    print(
        f"scaling: core cost per satellite-step, every model on "
        f"(load average {os.getloadavg()[0]:.2f})"
    )
    n = 1000
    base = None
    while n <= args.max_satellites:
        hours = max(0.05, 2.0 * 1000 / n)
        row = []
        for threads in (1, 2):
            rate = core_rate(n, threads, hours)
            row.append(1e9 / rate)
        base = base or row
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"  {n:>9,} satellites: {row[0]:7.0f} ns (1 thread)  {row[1]:7.0f} ns (2 threads)  "
            f"x{row[0] / base[0]:.2f} / x{row[1] / base[1]:.2f} of the 1,000-satellite cost "
            f"(target <= 1.5), peak RSS so far {rss_mb:.0f} MiB"
        )
        n *= 10
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak_mb:.0f} MiB; load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
