"""The run writer's chunk layout and its round trip through HDF5."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from orbitwin import output
from orbitwin.output import CHUNK_BYTES, RunWriter, chunk_width
from orbitwin.timeutil import parse_epoch


@given(st.integers(1, 2_000_000), st.integers(1, 2 * CHUNK_BYTES))
def test_chunks_are_as_few_as_fit_and_of_equal_width(n_satellites: int, per_satellite: int) -> None:
    width = chunk_width(n_satellites, per_satellite)
    n_chunks = -(-n_satellites // width)
    # Each chunk within the byte bound (a satellite wider than it gets a chunk of its own).
    assert width * per_satellite <= CHUNK_BYTES or width == 1
    # No fewer chunks would fit.
    widest = max(1, CHUNK_BYTES // per_satellite)
    assert n_chunks == -(-n_satellites // widest)
    # The padding of the last chunk is under one satellite per chunk.
    assert n_chunks * width - n_satellites < n_chunks


def test_compute_node_temperatures_are_not_padded_by_a_third() -> None:
    """10,000 satellites x 5 nodes x 64 frames of float32: four chunks of 2,500
    (a 4 MiB chunk holds 3,276; three of those and a fourth were 31 % padding)."""
    assert chunk_width(10_000, 64 * 4 * 5) == 2_500


def writer(path: Path, n_satellites: int, precision: str = "single") -> RunWriter:
    names = [f"SAT-{k}" for k in range(n_satellites)]
    return RunWriter(
        path,
        epoch=parse_epoch("2024-05-13T00:00:00Z"),
        fleets=[("shell", names, np.zeros(n_satellites, np.int32))],
        channels={
            "thermal.temperature": {
                "unit": "K",
                "description": "node temperatures",
                "dtype": "float64",
                "shape": (5,),
            },
            "status.flags": {"unit": "1", "description": "flags", "dtype": "uint32", "shape": ()},
        },
        attributes={"title": "chunk layout test"},
        frames_per_chunk=4,
        precision=precision,
    )


def test_frames_read_back_exactly_across_uneven_chunks(tmp_path: Path, monkeypatch) -> None:
    """Chunks split the satellites unevenly (7 x 5 values per 4 frames fit a chunk,
    23 satellites) and the last batch ends inside a chunk: every value written,
    raw or deflated (flags compress, temperatures do not), reads back as written."""
    monkeypatch.setattr(output, "CHUNK_BYTES", 7 * 5 * 4 * 4)
    n = 23
    rng = np.random.default_rng(7)
    path = tmp_path / "run.h5"
    w = writer(path, n)
    temps, flags = [], []
    for batch, k in enumerate((4, 4, 3)):
        t = rng.normal(300.0, 20.0, (k, n, 5))
        fl = np.full((k, n), batch, dtype=np.uint32)
        temps.append(t.astype(np.float32))
        flags.append(fl)
        times = np.arange(k, dtype=np.int64) * 60_000_000_000 + batch * 4 * 60_000_000_000
        arrays = w.assemble({(0, "thermal.temperature"): t, (0, "status.flags"): fl})
        w.append(times, arrays)
    w.close(complete=True)
    with h5py.File(path, "r") as f:
        assert f["thermal__temperature"].chunks == (4, 6, 5)  # 4 chunks of 6 for 23, not 7+7+7+2
        np.testing.assert_array_equal(f["thermal__temperature"][...], np.concatenate(temps))
        np.testing.assert_array_equal(f["status__flags"][...], np.concatenate(flags))
        assert f["time_ns"].shape == (11,)


@pytest.mark.parametrize("n_satellites", [1, 64])
def test_small_fleets_get_one_chunk(n_satellites: int) -> None:
    assert chunk_width(n_satellites, 256) == n_satellites
