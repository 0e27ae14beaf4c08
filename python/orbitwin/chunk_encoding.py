"""Writing whole HDF5 chunks ourselves: byte shuffle and deflate, or stored as is.

The run file's variables declare HDF5's standard ``shuffle`` + ``deflate``
(gzip) pipeline, so any HDF5 reader (h5py, netCDF4, h5netcdf, xarray, HDFView)
decodes them without plugins. The writer encodes each full chunk itself
(``numpy`` byte transpose, ``zlib``, which releases the GIL) and hands the
bytes to ``H5Dwrite_chunk``; a chunk that deflate would shrink by less than
:data:`MIN_RATIO` (4x) is stored unfiltered instead, which the chunk's filter mask
records (HDF5 then skips both filters when reading it). Smooth floating-point
telemetry (positions, temperatures, dose) barely compresses (measured ratios
1.1-1.6 at 20-40 MB/s for zlib level 1), while flags, states, station indices,
illumination and throughput compress 6-200x at 100-400 MB/s: the rule keeps
the cheap, large wins and skips the expensive, small ones. (In B1, a 4x
threshold instead of 2x makes the file about a fifth larger and cuts the
writer's CPU time by about half.)

Before a chunk is compressed whole, a slice of its satellites
(1/:data:`PROBE_FRACTION`) is compressed as a probe; a channel whose chunks
fail is only probed again every :data:`REPROBE_EVERY` chunks, so
incompressible data costs little more than a memory copy. The
choice depends only on the data, so a run writes the same bytes whatever its
thread count.
"""

from __future__ import annotations

import zlib
from typing import Any

import h5py
import numpy as np

#: Compress a chunk only when deflate makes it at least this many times smaller.
MIN_RATIO = 4.0
#: After a chunk fails :data:`MIN_RATIO`, the next chunks of the channel are
#: stored unfiltered without trying, until this many have gone by.
REPROBE_EVERY = 8
#: The probe compresses this fraction (1/N) of a chunk's satellites.
PROBE_FRACTION = 16
#: zlib level: 1 is the fastest, and higher levels gain little on telemetry.
DEFLATE_LEVEL = 1
#: HDF5 filter mask of a chunk stored without shuffle (bit 0) and deflate (bit 1).
UNFILTERED = 0b11


def shuffle_bytes(chunk: np.ndarray) -> bytes:
    """HDF5's shuffle filter: byte k of every element, for k = 0 .. itemsize-1."""
    a = np.ascontiguousarray(chunk)
    if a.itemsize == 1:
        return a.tobytes()
    return a.view(np.uint8).reshape(-1, a.itemsize).T.tobytes()


class ChunkEncoder:
    """Encodes and writes the chunks of one variable (``(time, satellite, ...)``,
    chunked ``(frames, satellites, ...)``), probing compressibility per chunk."""

    def __init__(self, dataset: h5py.Dataset) -> None:
        self.dataset = dataset
        self.chunk_shape = dataset.chunks
        self._skip = 0  # chunks left to store unfiltered without probing
        self.raw_bytes = 0  # bytes handed in
        self.stored_bytes = 0  # bytes written to the file

    def encode(self, chunk: np.ndarray) -> tuple[bytes | memoryview, int]:
        """The bytes to store for one full chunk (raw chunks as a view of the
        contiguous chunk, no copy) and its filter mask."""
        raw = np.ascontiguousarray(chunk)
        if self._skip > 0:
            self._skip -= 1
            return memoryview(raw).cast("B"), UNFILTERED
        # Probe on a slice of the satellites first: deflate is slowest on the data
        # it cannot shrink, so only chunks that promise to pay are compressed whole.
        width = raw.shape[1]
        if width >= 4 * PROBE_FRACTION:
            sample = raw[:, : width // PROBE_FRACTION]
            if len(zlib.compress(shuffle_bytes(sample), DEFLATE_LEVEL)) * MIN_RATIO > sample.nbytes:
                self._skip = REPROBE_EVERY - 1
                return memoryview(raw).cast("B"), UNFILTERED
        packed = zlib.compress(shuffle_bytes(raw), DEFLATE_LEVEL)
        if len(packed) * MIN_RATIO <= raw.nbytes:
            return packed, 0
        self._skip = REPROBE_EVERY - 1
        return memoryview(raw).cast("B"), UNFILTERED

    def encode_frames(self, t0: int, data: np.ndarray) -> list[tuple[tuple, Any, int]]:
        """Encodes frames ``t0 .. t0 + len(data)`` (``t0`` on a chunk boundary) into
        whole chunks: (chunk offset, payload, filter mask) each. Touches no file,
        so the channels of a batch may be encoded on several threads at once."""
        ct = self.chunk_shape[0]
        k = data.shape[0]
        n_sat = data.shape[1]
        cs = self.chunk_shape[1]
        out = []
        for a in range(0, k, ct):
            block = data[a : a + ct]
            if block.shape[0] < ct:
                # A final partial chunk: padded to the chunk's size (the dataset's
                # extent hides the padding; a later append rewrites the chunk).
                padded = np.zeros((ct, *block.shape[1:]), dtype=block.dtype)
                padded[: block.shape[0]] = block
                block = padded
            for s in range(0, n_sat, cs):
                piece = block[:, s : s + cs]
                if piece.shape[1] < cs:
                    padded = np.zeros((ct, cs, *piece.shape[2:]), dtype=piece.dtype)
                    padded[:, : piece.shape[1]] = piece
                    piece = padded
                payload, mask = self.encode(piece)
                out.append(((t0 + a, s) + (0,) * (data.ndim - 2), payload, mask))
        return out

    def write(
        self, t0: int, data: np.ndarray, encoded: list[tuple[tuple, Any, int]] | None = None
    ) -> None:
        """Writes ``data`` (frames ``t0 .. t0 + len(data)`` of every satellite; the
        dataset already extends that far). Whole chunks starting on a chunk
        boundary are written as :meth:`encode_frames` made them (``encoded``, when
        the caller encoded them already); anything else (the end of a run, a
        resumed run's first frames) goes through HDF5's own pipeline."""
        self.raw_bytes += data.nbytes
        if t0 % self.chunk_shape[0] != 0:
            self.dataset[t0 : t0 + data.shape[0]] = data
            self.stored_bytes += data.nbytes
            return
        for offset, payload, mask in encoded or self.encode_frames(t0, data):
            self.dataset.id.write_direct_chunk(offset, payload, filter_mask=mask)
            self.stored_bytes += memoryview(payload).nbytes
