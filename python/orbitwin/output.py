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
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

import h5py
import numpy as np

from .timeutil import NS_PER_S, Epoch

_INNER_DIMS = {(3,): ("xyz",), (3, 3): ("body_axis", "xyz")}


def variable_name(channel: str) -> str:
    """The file variable of a channel: ``orbit.altitude`` -> ``orbit__altitude``."""
    return channel.replace(".", "__")


def partial_path(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


class RunWriter:
    """Writes recorded frames of a run to ``path`` (via ``path.partial``).

    ``fleets`` gives each fleet's name, satellite names and planes in recording
    order; ``channels`` maps a channel name to its metadata (unit, description,
    dtype, per-satellite shape) as the core reports it.
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
    ) -> None:
        self.path = Path(path)
        self.partial = partial_path(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._offsets = []
        offset = 0
        for _, names, _ in fleets:
            self._offsets.append(offset)
            offset += len(names)
        self.n_satellites = offset
        self.frames = 0
        # Default (earliest) format: no superblock status flags, so a file left open by a
        # crash still opens without h5clear.
        self._file = h5py.File(self.partial, "w")
        f = self._file
        f.attrs["Conventions"] = "CF-1.8"
        f.attrs["title"] = str(attributes.get("title", "orbitwin run"))
        f.attrs["history"] = f"{datetime.now(timezone.utc).isoformat()} written by orbitwin"
        f.attrs["orbitwin_complete"] = 0
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

        self._fleet_offsets = {
            fname: off for (fname, _, _), off in zip(fleets, self._offsets, strict=True)
        }
        self._all_names = all_names
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
            chunk = (frames_per_chunk, min(offset, max(1, 2**20 // (8 * max(1, np.prod(inner))))))
            ds = f.create_dataset(
                variable_name(channel),
                shape=shape,
                maxshape=(None, offset, *inner),
                dtype=np.dtype(info["dtype"]),
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
        f.flush()

    def append(self, times_ns: np.ndarray, frames: Mapping[tuple[int, str], np.ndarray]) -> None:
        """Appends a batch of frames (k,) and flushes: the file is readable up to here."""
        k = len(times_ns)
        if k == 0:
            return
        f = self._file
        t0, t1 = self.frames, self.frames + k
        for name in ("time", "time_ns"):
            f[name].resize((t1,))
        f["time"][t0:t1] = np.asarray(times_ns, dtype=np.float64) / NS_PER_S
        f["time_ns"][t0:t1] = times_ns
        for ds in self._datasets.values():
            ds.resize(t1, axis=0)
        for (fleet_index, channel), data in frames.items():
            off = self._offsets[fleet_index]
            self._datasets[channel][t0:t1, off : off + data.shape[1]] = data
        self.frames = t1
        f.attrs["orbitwin_frames"] = t1
        f.flush()

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
        self._file.flush()

    def set_attributes(self, attributes: Mapping[str, object]) -> None:
        for key, value in attributes.items():
            self._file.attrs[key] = value

    def close(self, complete: bool) -> Path:
        """Closes the file; renames ``.partial`` to the final name when ``complete``."""
        if self._file.id.valid:
            self._file.attrs["orbitwin_complete"] = int(complete)
            self._file.close()
        if complete:
            os.replace(self.partial, self.path)
            return self.path
        return self.partial
