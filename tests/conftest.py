"""Shared fixtures for the foundation tests (orbits, Sun, eclipse, attitude, stepping)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import orbitwin as ow
from orbitwin.validation.orbit import record as record_frames

SNAPSHOT = Path(__file__).resolve().parents[1] / "data" / "starlink-2024-05-12.tle"


@pytest.fixture(scope="session")
def starlink_snapshot() -> ow.TleSet:
    """The real Starlink snapshot (5,236 satellites), read once per session."""
    return ow.read_tle(SNAPSHOT)


@pytest.fixture
def collect() -> Callable[..., tuple[np.ndarray, dict[tuple[int, str], np.ndarray]]]:
    """``collect(twin, channels, every, until_ns, capacity=4096) -> (times_ns, frames)``:
    records channels while advancing (:func:`orbitwin.validation.orbit.record`)."""
    return record_frames
