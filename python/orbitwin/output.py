"""Run output: one HDF5 file per run, netCDF4/CF-compatible, written crash-safe.

Layout: dimensions ``time`` (unlimited) x ``satellite`` (every fleet's
satellites, concatenated) x per-channel inner dimensions (``xyz``,
``body_axis``); a variable per recorded channel named like the channel with
dots as double underscores (``orbit__altitude``) carrying ``units``,
``long_name`` and ``orbitwin_channel``; satellite names, fleets and planes as
coordinates; the scenario, seed and version as global attributes. The file is
written as ``NAME.partial``, flushed after every batch of frames and renamed
to ``NAME`` when the run completes, so a crash leaves a readable partial file
up to the last flush. ``xarray.open_dataset(path, engine="h5netcdf")`` opens it.

Floating-point channels are stored in single precision (7 significant digits:
0.5 m in a position of 7,000 km, 2e-5 K in a temperature) unless the scenario
asks for ``output_precision="double"``; the core always computes in double.
Chunks are ``(64 frames, up to 4 MiB of satellites)``, written whole by
:mod:`orbitwin.chunk_encoding` (shuffle + deflate where it pays, HDF5's
standard filters). Each regular batch also records a checkpoint (frames,
events, time and a digest of the core's state) that ``orbitwin run --resume``
continues from (:mod:`orbitwin.checkpoint`).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import h5py
import numpy as np

from .checkpoint import Checkpoint
from .chunk_encoding import ChunkEncoder
from .timeutil import NS_PER_S, Epoch

#: Output precisions a scenario may ask for, and the storage type of float channels.
PRECISIONS: dict[str, np.dtype] = {"single": np.dtype("f4"), "double": np.dtype("f8")}
#: Upper bound on the bytes of one chunk (frames x satellites x inner values).
CHUNK_BYTES = 4 * 2**20

_INNER_DIMS = {(3,): ("xyz",), (3, 3): ("body_axis", "xyz")}


def variable_name(channel: str) -> str:
    """The file variable of a channel: ``orbit.altitude`` -> ``orbit__altitude``."""
    return channel.replace(".", "__")


def chunk_width(n_satellites: int, bytes_per_satellite: int) -> int:
    """Satellites per chunk: as few chunks across the fleet as keep each within
    :data:`CHUNK_BYTES`, of equal width, so the last chunk's padding (written
    whole, as every chunk) is under one satellite per chunk, not up to a chunk."""
    widest = max(1, CHUNK_BYTES // bytes_per_satellite)
    n_chunks = -(-max(n_satellites, 1) // widest)
    return max(1, -(-n_satellites // n_chunks))


def partial_path(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


def storage_dtype(dtype: np.dtype | str, precision: str) -> np.dtype:
    """The type a channel of ``dtype`` is stored as at ``precision``."""
    dt = np.dtype(dtype)
    return PRECISIONS[precision] if dt.kind == "f" else dt


class RunWriter:
    """Writes recorded frames of a run to ``path`` (via ``path.partial``).

    ``fleets`` gives each fleet's name, satellite names and planes in recording
    order; ``channels`` maps a channel name to its metadata (unit, description,
    dtype, per-satellite shape) as the core reports it; ``precision`` is
    ``"single"`` or ``"double"`` for floating-point channels. With ``resume``
    the existing ``path.partial`` is reopened and cut back to the checkpoint
    (frames and events written after it are dropped, to be written again).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        epoch: Epoch,
        fleets: Sequence[tuple[str, Sequence[str], np.ndarray]],
        channels: Mapping[str, Mapping],
        attributes: Mapping[str, object],
        frames_per_chunk: int = 64,
        stations: Sequence = (),
        precision: str = "single",
        resume: Checkpoint | None = None,
    ) -> None:
        if precision not in PRECISIONS:
            raise ValueError(
                f"output precision is {precision!r}; allowed: {', '.join(map(repr, PRECISIONS))}"
            )
        self.path = Path(path)
        self.partial = partial_path(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.precision = precision
        self._offsets = []
        offset = 0
        for _, names, _ in fleets:
            self._offsets.append(offset)
            offset += len(names)
        self.n_satellites = offset
        self.frames = 0
        self._channel_info = dict(channels)
        self._frames_per_chunk = frames_per_chunk
        #: Threads that encode chunks (and may take other work of a batch, such as
        #: statistics): one per core.
        self.workers = ThreadPoolExecutor(
            max_workers=os.cpu_count() or 1, thread_name_prefix="orbitwin-encode"
        )
        self._all_names = [n for _, names, _ in fleets for n in names]
        self._fleet_offsets = {
            fname: off for (fname, _, _), off in zip(fleets, self._offsets, strict=True)
        }
        if resume is not None:
            self._reopen(resume)
            return
        # Default (earliest) format: no superblock status flags, so a file left open by a
        # crash still opens without h5clear.
        self._file = h5py.File(self.partial, "w")
        f = self._file
        f.attrs["Conventions"] = "CF-1.8"
        f.attrs["title"] = str(attributes.get("title", "orbitwin run"))
        f.attrs["history"] = f"{datetime.now(timezone.utc).isoformat()} written by orbitwin"
        f.attrs["orbitwin_complete"] = 0
        f.attrs["orbitwin_precision"] = precision
        for key, value in attributes.items():
            f.attrs[key] = value

        time = f.create_dataset(
            "time", shape=(0,), maxshape=(None,), dtype="f8", chunks=(max(frames_per_chunk, 64),)
        )
        self._time_units = f"seconds since {epoch.datetime.strftime('%Y-%m-%d %H:%M:%S')}"
        time.attrs["units"] = self._time_units
        time.attrs["calendar"] = "standard"
        time.attrs["long_name"] = "time since the scenario epoch"
        time.make_scale("time")
        time_ns = f.create_dataset(
            "time_ns", shape=(0,), maxshape=(None,), dtype="i8", chunks=(max(frames_per_chunk, 64),)
        )
        time_ns.attrs["units"] = "ns"
        time_ns.attrs["long_name"] = "exact time since the scenario epoch"
        time_ns.dims[0].attach_scale(time)

        sat = f.create_dataset("satellite", data=np.arange(offset, dtype=np.int32))
        sat.attrs["long_name"] = "satellite index"
        sat.make_scale("satellite")
        str_dt = h5py.string_dtype()
        all_names = [n for _, names, _ in fleets for n in names]
        fleet_of = [fname for fname, names, _ in fleets for _ in names]
        for var, data, long_name in (
            ("satellite_name", np.array(all_names, dtype=object), "satellite name"),
            ("fleet", np.array(fleet_of, dtype=object), "fleet of the satellite"),
        ):
            ds = f.create_dataset(var, data=data, dtype=str_dt)
            ds.attrs["long_name"] = long_name
            ds.dims[0].attach_scale(sat)
        plane = f.create_dataset(
            "plane", data=np.concatenate([np.asarray(p, np.int32) for _, _, p in fleets])
        )
        plane.attrs["long_name"] = "orbit plane within the fleet"
        plane.dims[0].attach_scale(sat)

        scales = {}

        def scale(dim: str, size: int) -> h5py.Dataset:
            if dim not in scales:
                scales[dim] = f.create_dataset(dim, data=np.arange(size, dtype=np.int32))
                scales[dim].make_scale(dim)
            return scales[dim]

        if stations:
            # GroundStation objects (or bare names): the sites go into the file too.
            st = scale("station", len(stations))
            st.attrs["long_name"] = "ground station index"
            names = [getattr(x, "name", x) for x in stations]
            ds = f.create_dataset("station_name", data=np.array(names, dtype=object), dtype=str_dt)
            ds.attrs["long_name"] = "ground station name"
            ds.dims[0].attach_scale(st)
            fields = (
                ("station_latitude", "latitude_deg", "degrees_north", "geodetic latitude"),
                ("station_longitude", "longitude_deg", "degrees_east", "longitude"),
                ("station_altitude", "altitude_m", "m", "height above the WGS-84 ellipsoid"),
                ("station_min_elevation", "min_elevation_deg", "degree", "elevation mask"),
            )
            if all(hasattr(x, "latitude_deg") for x in stations):
                for var, attr, units, long_name in fields:
                    ds = f.create_dataset(
                        var, data=np.array([getattr(x, attr) for x in stations], dtype=np.float64)
                    )
                    ds.attrs["units"] = units
                    ds.attrs["long_name"] = long_name
                    ds.dims[0].attach_scale(st)

        self._create_events_group()

        self._datasets: dict[str, h5py.Dataset] = {}
        for channel, info in channels.items():
            inner = tuple(info["shape"])
            if channel.startswith("ground.") and len(inner) == 1:
                dims = ("station",)
            elif channel.startswith("thermal.") and len(inner) == 1:
                dims = ("node",)
            else:
                dims = _INNER_DIMS.get(inner)
            if dims is None and inner:
                # Any other per-satellite shape gets dimensions of its own.
                dims = tuple(f"{variable_name(channel)}_dim{k}" for k in range(len(inner)))
            for d, size in zip(dims or (), inner, strict=True):
                scale(d, size)
            shape = (0, offset, *inner)
            dtype = storage_dtype(info["dtype"], precision)
            per_sat = frames_per_chunk * dtype.itemsize * int(np.prod(inner, dtype=np.int64))
            chunk = (frames_per_chunk, chunk_width(offset, per_sat))
            ds = f.create_dataset(
                variable_name(channel),
                shape=shape,
                maxshape=(None, offset, *inner),
                dtype=dtype,
                chunks=chunk + inner,
                compression="gzip",
                compression_opts=1,
                shuffle=True,
            )
            ds.attrs["units"] = info["unit"]
            ds.attrs["long_name"] = info["description"]
            ds.attrs["orbitwin_channel"] = channel
            ds.attrs["coordinates"] = "satellite_name fleet"
            ds.dims[0].attach_scale(time)
            ds.dims[1].attach_scale(sat)
            for k, d in enumerate(dims or ()):
                ds.dims[2 + k].attach_scale(scales[d])
            self._datasets[channel] = ds
        self._encoders = {ch: ChunkEncoder(ds) for ch, ds in self._datasets.items()}
        f.flush()

    def _reopen(self, checkpoint: Checkpoint) -> None:
        """Opens ``path.partial`` for appending and cuts it back to ``checkpoint``."""
        self._file = f = h5py.File(self.partial, "r+")
        names = [n.decode() if isinstance(n, bytes) else n for n in f["satellite_name"][...]]
        if names != self._all_names:
            raise ValueError(
                f"run file {str(self.partial)!r}: its satellites differ from the scenario's; "
                "allowed: resuming the scenario that wrote it"
            )
        self._datasets = {}
        for channel in self._channel_info:
            var = variable_name(channel)
            if var not in f:
                raise ValueError(
                    f"run file {str(self.partial)!r} has no variable {var!r} for channel "
                    f"{channel!r}; allowed: resuming the scenario that wrote it"
                )
            self._datasets[channel] = f[var]
        self.precision = str(f.attrs.get("orbitwin_precision", self.precision))
        self.frames = checkpoint.frames
        for ds in (f["time"], f["time_ns"], *self._datasets.values()):
            ds.resize(checkpoint.frames, axis=0)
        g = f["events"]
        for name in g:
            g[name].resize((checkpoint.events,))
        self.n_events = checkpoint.events
        f.attrs["orbitwin_frames"] = checkpoint.frames
        self._encoders = {ch: ChunkEncoder(ds) for ch, ds in self._datasets.items()}
        f.flush()

    def assemble(
        self,
        frames: Mapping[tuple[int, str], np.ndarray],
        reuse: Mapping[str, np.ndarray] | None = None,
    ) -> dict[str, np.ndarray]:
        """Every fleet's frames of each channel side by side, ``(k, satellites, ...)``,
        in the storage type: copies, so the recorder's buffers may be reused. Arrays
        of ``reuse`` (an earlier batch's, written already) are filled when their
        shapes fit, which spares the page faults of fresh memory."""
        out: dict[str, np.ndarray] = {}
        for (fleet_index, channel), data in frames.items():
            arr = out.get(channel)
            if arr is None:
                info = self._channel_info[channel]
                shape = (data.shape[0], self.n_satellites, *data.shape[2:])
                dtype = storage_dtype(info["dtype"], self.precision)
                arr = reuse.get(channel) if reuse is not None else None
                if arr is None or arr.shape != shape or arr.dtype != dtype:
                    arr = np.empty(shape, dtype=dtype)
                out[channel] = arr
            off = self._offsets[fleet_index]
            arr[:, off : off + data.shape[1]] = data
        return out

    def append(
        self,
        times_ns: np.ndarray,
        arrays: Mapping[str, np.ndarray],
        events: Sequence = (),
        checkpoint: Checkpoint | None = None,
    ) -> None:
        """Appends a batch of frames (``arrays`` from :meth:`assemble`), the events
        logged with it and, for a regular batch, its checkpoint; then flushes: the
        file is readable up to here."""
        k = len(times_ns)
        f = self._file
        if k:
            t0, t1 = self.frames, self.frames + k
            for name in ("time", "time_ns"):
                f[name].resize((t1,))
            f["time"][t0:t1] = np.asarray(times_ns, dtype=np.float64) / NS_PER_S
            f["time_ns"][t0:t1] = times_ns
            jobs = {}
            if t0 % self._frames_per_chunk == 0:
                # Channels are encoded in parallel (zlib and numpy release the GIL);
                # the file is written in one thread, in channel order, each channel
                # as soon as it is encoded, while the workers encode the next ones.
                jobs = {
                    ch: self.workers.submit(self._encoders[ch].encode_frames, t0, data)
                    for ch, data in arrays.items()
                }
            for channel, data in arrays.items():
                job = jobs.get(channel)
                self._datasets[channel].resize(t1, axis=0)
                self._encoders[channel].write(t0, data, job.result() if job else None)
            self.frames = t1
            f.attrs["orbitwin_frames"] = t1
        self._append_event_rows(events)
        if checkpoint is not None:
            dataclasses.replace(checkpoint, frames=self.frames, events=self.n_events).write(f)
        f.flush()

    @property
    def write_figures(self) -> tuple[int, int]:
        """(bytes of telemetry handed in, bytes stored) over the writer's lifetime."""
        raw = sum(e.raw_bytes for e in self._encoders.values())
        return raw, sum(e.stored_bytes for e in self._encoders.values())

    def _create_events_group(self) -> None:
        g = self._file.create_group("events")
        g.attrs["long_name"] = "faults, upsets, watches and operations, one row per satellite"
        n = g.create_dataset("event", shape=(0,), maxshape=(None,), dtype="i4", chunks=(256,))
        n.make_scale("event")
        str_dt = h5py.string_dtype()
        columns = (
            ("time", "f8", self._time_units, "time of the event"),
            ("time_ns", "i8", "ns", "exact time since the epoch"),
            ("kind", str_dt, None, "kind of event"),
            ("fleet", str_dt, None, "fleet"),
            ("satellite", "i4", None, "satellite index in the file (-1: none)"),
            ("satellite_name", str_dt, None, "satellite name"),
            ("details", str_dt, None, "parameters of the event"),
        )
        for name, dtype, units, long_name in columns:
            ds = g.create_dataset(name, shape=(0,), maxshape=(None,), dtype=dtype, chunks=(256,))
            if units:
                ds.attrs["units"] = units
            ds.attrs["long_name"] = long_name
            ds.dims[0].attach_scale(n)
        self.n_events = 0

    def append_events(self, events: Sequence) -> None:
        """Appends log entries (objects with time_ns, kind, fleet, satellites, details),
        one row per satellite, and flushes."""
        self._append_event_rows(events)
        self._file.flush()

    def _append_event_rows(self, events: Sequence) -> None:
        rows = []
        for ev in events:
            off = self._fleet_offsets.get(ev.fleet, 0)
            sats = ev.satellites or (-1,)
            for i in sats:
                glob = off + i if i >= 0 else -1
                name = self._all_names[glob] if glob >= 0 else ""
                rows.append((ev.time_ns, ev.kind, ev.fleet, glob, name, ev.details))
        if not rows:
            return
        g = self._file["events"]
        a, b = self.n_events, self.n_events + len(rows)
        for name in (
            "event",
            "time",
            "time_ns",
            "kind",
            "fleet",
            "satellite",
            "satellite_name",
            "details",
        ):
            g[name].resize((b,))
        cols = list(zip(*rows, strict=True))
        g["event"][a:b] = np.arange(a, b)
        g["time_ns"][a:b] = np.asarray(cols[0], dtype=np.int64)
        g["time"][a:b] = np.asarray(cols[0], dtype=np.float64) / NS_PER_S
        for k, name in ((1, "kind"), (2, "fleet"), (4, "satellite_name"), (5, "details")):
            g[name][a:b] = np.asarray(cols[k], dtype=object)
        g["satellite"][a:b] = np.asarray(cols[3], dtype=np.int32)
        self.n_events = b

    def set_attributes(self, attributes: Mapping[str, object]) -> None:
        for key, value in attributes.items():
            self._file.attrs[key] = value

    def close(self, complete: bool) -> Path:
        """Closes the file; renames ``.partial`` to the final name when ``complete``."""
        self.workers.shutdown(wait=True)
        if self._file.id.valid:
            self._file.attrs["orbitwin_complete"] = int(complete)
            self._file.close()
        if complete:
            os.replace(self.partial, self.path)
            return self.path
        return self.partial
