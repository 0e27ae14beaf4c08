"""Reading runs back: ``open_run(path)`` and the summary behind ``orbitwin info``.

A run file is recognised by its ``orbitwin_version`` and ``orbitwin_complete``
attributes; a partial file (``NAME.partial``, left by a crash or Ctrl-C) opens
too and holds every frame up to its last flush.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


class RunFileError(ValueError):
    """A file that is not a readable orbitwin run: the message names the file and why."""


def check_run_file(path: str | os.PathLike[str]) -> Path:
    """Returns the path if it is an orbitwin run file; raises :class:`RunFileError`
    (or FileNotFoundError) naming the file and what is wrong."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"run file {str(p)!r} does not exist")
    if p.is_dir():
        raise RunFileError(f"run file {str(p)!r} is a directory, not an HDF5 file")
    with open(p, "rb") as fh:
        head = fh.read(8)
    if head != HDF5_SIGNATURE:
        raise RunFileError(f"run file {str(p)!r} is not an HDF5 file (no HDF5 signature)")
    try:
        with h5py.File(p, "r") as f:
            if "orbitwin_version" not in f.attrs or "time_ns" not in f:
                raise RunFileError(
                    f"run file {str(p)!r} is an HDF5 file but not an orbitwin run "
                    "(no orbitwin_version attribute or time_ns variable)"
                )
    except OSError as exc:
        raise RunFileError(f"run file {str(p)!r} cannot be read as HDF5: {exc}") from None
    return p


def open_run(path: str | os.PathLike[str]) -> Any:
    """The run as an ``xarray.Dataset`` (engine h5netcdf), with the events as
    ``ds.attrs["events"]`` (an ``xarray.Dataset`` of the events group) and every
    global attribute (scenario, seed, version, epoch, ...) in ``ds.attrs``."""
    import xarray as xr

    p = check_run_file(path)
    ds = xr.open_dataset(p, engine="h5netcdf")
    with h5py.File(p, "r") as f:
        has_events = "events" in f and f["events/time_ns"].shape[0] > 0
    events = xr.open_dataset(p, engine="h5netcdf", group="events") if has_events else None
    ds.attrs["events"] = events
    return ds


@dataclass
class RunInfo:
    path: Path
    attrs: dict[str, Any]
    n_frames: int
    n_satellites: int
    fleets: dict[str, int]
    t_first_s: float
    t_last_s: float
    channels: list[tuple[str, str, str, tuple[int, ...]]]  # variable, units, long name, shape
    events: dict[str, int]  # kind -> rows

    @property
    def complete(self) -> bool:
        return bool(self.attrs.get("orbitwin_complete", 0))


def run_info(path: str | os.PathLike[str]) -> RunInfo:
    """Summary of a run file without loading its telemetry."""
    p = check_run_file(path)
    with h5py.File(p, "r") as f:
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
        t = f["time_ns"]
        n = t.shape[0]
        fleets_raw = [x.decode() if isinstance(x, bytes) else x for x in f["fleet"][...]]
        names, counts = np.unique(np.array(fleets_raw, dtype=object), return_counts=True)
        channels = []
        for name, ds in f.items():
            if isinstance(ds, h5py.Dataset) and "orbitwin_channel" in ds.attrs:
                channels.append(
                    (
                        name,
                        str(ds.attrs.get("units", "")),
                        str(ds.attrs.get("long_name", "")),
                        ds.shape,
                    )
                )
        events: dict[str, int] = {}
        if "events" in f and f["events/kind"].shape[0]:
            kinds = [k.decode() if isinstance(k, bytes) else k for k in f["events/kind"][...]]
            for k in kinds:
                events[k] = events.get(k, 0) + 1
        return RunInfo(
            path=p,
            attrs=attrs,
            n_frames=n,
            n_satellites=int(f["satellite"].shape[0]),
            fleets={str(k): int(c) for k, c in zip(names, counts, strict=True)},
            t_first_s=float(t[0]) / 1e9 if n else float("nan"),
            t_last_s=float(t[n - 1]) / 1e9 if n else float("nan"),
            channels=sorted(channels),
            events=events,
        )


def add_parser(sub: Any) -> None:
    """``orbitwin info FILE``."""
    p = sub.add_parser(
        "info",
        help="print a summary of a run file",
        description="Print what a run file holds: scenario, size, period, channels and events.",
    )
    p.add_argument("file", help="run file (.h5, or a .partial file left by an interrupted run)")
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    p.set_defaults(handler=_info_command)


def _info_command(args: Any) -> int:
    from rich.console import Console
    from rich.table import Table

    info = run_info(args.file)
    console = Console()
    a = info.attrs
    state = (
        "complete" if info.complete else "PARTIAL (interrupted; holds frames up to the last flush)"
    )
    console.print(f"[bold]{info.path}[/bold]: {state}")
    if not info.complete and "orbitwin_checkpoint_frames" in a:
        frames = int(a["orbitwin_checkpoint_frames"])
        t_s = int(a["orbitwin_checkpoint_time_ns"]) / 1e9
        console.print(
            f"checkpoint after frame {frames:,} ({t_s:g} s after the epoch): continue it with "
            f"`orbitwin run --resume {info.path}`"
        )
    console.print(
        f"scenario {a.get('scenario', '?')!s}, seed {a.get('seed', '?')}, orbitwin "
        f"{a.get('orbitwin_version', '?')}, epoch {a.get('epoch', '?')}, "
        f"step {a.get('step_s', '?')} s"
    )
    fleets = ", ".join(f"{k} ({v:,})" for k, v in info.fleets.items())
    console.print(f"{info.n_satellites:,} satellites in fleets {fleets}")
    console.print(
        f"{info.n_frames:,} frames from {info.t_first_s:g} s to {info.t_last_s:g} s after the epoch"
    )
    table = Table(title="channels")
    for col in ("variable", "units", "long name", "shape"):
        table.add_column(col)
    for name, units, long_name, shape in info.channels:
        table.add_row(name, units, long_name, "x".join(str(s) for s in shape))
    console.print(table)
    if info.events:
        console.print("events: " + ", ".join(f"{k} {v}" for k, v in sorted(info.events.items())))
    else:
        console.print("events: none")
    return 0
