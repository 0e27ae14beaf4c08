"""The core releases the GIL while it steps: Python threads keep running."""

from __future__ import annotations

import threading
import time

import orbitwin


def test_advance_releases_the_gil() -> None:
    twin = orbitwin.Twin("2024-05-13T00:00:00Z", step="10s", threads=1)
    twin.add_fleet("w", orbitwin.walker(10000, 100, 1, altitude_m=550e3, inclination_deg=53.0))
    twin.start()
    done = threading.Event()
    spins = {"n": 0}

    def spin() -> None:
        while not done.is_set():
            spins["n"] += 1

    thread = threading.Thread(target=spin)
    thread.start()
    t0 = time.perf_counter()
    twin.advance(by="2h")  # one call into the core: ~7 M satellite-steps
    core_s = time.perf_counter() - t0
    done.set()
    thread.join()
    # With the GIL held for the whole advance, the spinning thread could only run in
    # the switch interval before the call (5 ms): a handful of iterations per
    # millisecond at most. Released, it spins for the whole of core_s.
    assert core_s > 0.05
    assert spins["n"] > 20_000 * core_s
