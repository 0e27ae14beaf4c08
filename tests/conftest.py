"""Shared fixtures for the foundation tests (orbits, Sun, eclipse, attitude, stepping)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pytest

import orbitwin as ow

SNAPSHOT = Path(__file__).resolve().parents[1] / "data" / "starlink-2024-05-12.tle"


@pytest.fixture(scope="session")
def starlink_snapshot() -> ow.TleSet:
    """The real Starlink snapshot (5,236 satellites), read once per session."""
    return ow.read_tle(SNAPSHOT)


def _collect(
    twin: ow.Twin,
    channels: Iterable[str],
    every: str | float,
    until_ns: int,
    capacity: int = 4096,
) -> tuple[np.ndarray, dict[tuple[int, str], np.ndarray]]:
    """Records ``channels`` of every fleet at ``every`` while advancing to ``until_ns``.

    Returns the frame times [ns] and, per (fleet index, channel), the frames
    stacked along the first axis (copies: sink views are only valid in the call).
    """
    times: list[np.ndarray] = []
    frames: dict[tuple[int, str], list[np.ndarray]] = {}

    def sink(t: np.ndarray, buffers: dict[tuple[int, str], np.ndarray]) -> None:
        times.append(t.copy())
        for key, value in buffers.items():
            frames.setdefault(key, []).append(value.copy())

    twin.record(every=every, channels=list(channels), sink=sink, capacity=capacity)
    twin.advance(until_ns)
    twin.flush()
    return np.concatenate(times), {k: np.concatenate(v) for k, v in frames.items()}


@pytest.fixture
def collect() -> Callable[..., tuple[np.ndarray, dict[tuple[int, str], np.ndarray]]]:
    """``collect(twin, channels, every, until_ns, capacity=4096) -> (times_ns, frames)``."""
    return _collect
