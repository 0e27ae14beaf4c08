"""External telemetry read into a Dataset shaped like a run, with units checked.

:func:`read_telemetry` reads three layouts:

**Long CSV** (one measurement per row; ``#`` lines before the header are comments,
``# epoch: 2024-05-13T00:00:00Z`` sets the epoch)::

    # epoch: 2024-05-13T00:00:00Z
    time,satellite,channel,value,unit
    2024-05-13T00:01:00Z,STARLINK-1007,thermal.temperature[0],24.8,degC
    60,STARLINK-1007,power.battery_soc,87.5,%

**Wide CSV** (one row per time and satellite, one column per channel with its unit
in parentheses)::

    time,satellite,thermal.temperature[0] (degC),power.battery_soc (%)
    2024-05-13T00:01:00Z,STARLINK-1007,24.8,87.5

**HDF5**: 1-D datasets ``time``, ``satellite``, ``channel``, ``value``, ``unit`` of
one length (at the root or in a group ``telemetry``), the long layout as columns;
an ``epoch`` attribute on the file or group sets the epoch. An orbitwin run file
(synthetic telemetry made by the twin) is returned as :func:`orbitwin.open_run` reads it.

Columns: ``time`` is an ISO 8601 instant (UTC without a zone; ``Z`` or an offset) or
seconds since the epoch (the file's own; ``epoch=`` for a file that gives none);
``satellite`` is a satellite name as in the run (``STARLINK-1007``) or its integer index in the run;
``channel`` is a run channel (``power.battery_soc`` or ``power__battery_soc``), with
``[k]`` for element ``k`` of a channel with an inner dimension (the thermal node,
the ground station); ``unit`` is the unit of ``value``.

The result has dimensions ``time`` x ``satellite`` (x ``node`` ...), one variable per
channel named like run variables (``thermal__temperature``) in the run's SI unit
(``units`` attribute), unmeasured samples NaN, coordinates ``time`` (datetime64),
``satellite`` and ``satellite_name``, and attributes ``epoch``, ``source`` and
``satellite_key`` (``"name"`` or ``"index"``). Units are converted for the common
cases: K and degC/degF, W/kW/mW, J/kJ/Wh/kWh, fraction and percent, m and km, rad
and deg, Gy/mGy/rad(Si), s/min/h, 1/s and Hz. Errors name the file, the row (or
column), the value and what is allowed (:class:`TelemetryError`); rows are file
line numbers in CSV and 0-based indices in HDF5.
"""

from __future__ import annotations

import csv
import math
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


class TelemetryError(ValueError):
    """Telemetry that cannot be read: names the file, the row or column, the value and
    what is allowed."""


@dataclass(frozen=True)
class _Unit:
    dimension: str
    scale: float  # SI value = value * scale + offset
    offset: float = 0.0


#: Units understood, by the SI unit a run uses for their dimension.
UNITS: dict[str, _Unit] = {
    "K": _Unit("K", 1.0),
    "kelvin": _Unit("K", 1.0),
    "degC": _Unit("K", 1.0, 273.15),
    "C": _Unit("K", 1.0, 273.15),
    "°C": _Unit("K", 1.0, 273.15),
    "celsius": _Unit("K", 1.0, 273.15),
    "degF": _Unit("K", 5.0 / 9.0, 273.15 - 32.0 * 5.0 / 9.0),
    "F": _Unit("K", 5.0 / 9.0, 273.15 - 32.0 * 5.0 / 9.0),
    "W": _Unit("W", 1.0),
    "kW": _Unit("W", 1e3),
    "mW": _Unit("W", 1e-3),
    "J": _Unit("J", 1.0),
    "kJ": _Unit("J", 1e3),
    "MJ": _Unit("J", 1e6),
    "Wh": _Unit("J", 3600.0),
    "kWh": _Unit("J", 3.6e6),
    "1": _Unit("1", 1.0),
    "fraction": _Unit("1", 1.0),
    "%": _Unit("1", 0.01),
    "percent": _Unit("1", 0.01),
    "m": _Unit("m", 1.0),
    "km": _Unit("m", 1e3),
    "rad": _Unit("rad", 1.0),
    "deg": _Unit("rad", math.pi / 180.0),
    "degree": _Unit("rad", math.pi / 180.0),
    "degrees": _Unit("rad", math.pi / 180.0),
    "degrees_north": _Unit("rad", math.pi / 180.0),
    "degrees_east": _Unit("rad", math.pi / 180.0),
    "Gy": _Unit("Gy", 1.0),
    "mGy": _Unit("Gy", 1e-3),
    "rad(Si)": _Unit("Gy", 1e-2),
    "krad(Si)": _Unit("Gy", 10.0),
    "s": _Unit("s", 1.0),
    "min": _Unit("s", 60.0),
    "h": _Unit("s", 3600.0),
    "s-1": _Unit("s-1", 1.0),
    "1/s": _Unit("s-1", 1.0),
    "Hz": _Unit("s-1", 1.0),
    "Gy s-1": _Unit("Gy s-1", 1.0),
    "Gy/s": _Unit("Gy s-1", 1.0),
    "Gy/h": _Unit("Gy s-1", 1.0 / 3600.0),
    "mGy/h": _Unit("Gy s-1", 1e-3 / 3600.0),
    "GV": _Unit("GV", 1.0),
    "MV": _Unit("GV", 1e-3),
    "bit": _Unit("bit", 1.0),
    "byte": _Unit("bit", 8.0),
    "B": _Unit("bit", 8.0),
    "MB": _Unit("bit", 8e6),
    "GB": _Unit("bit", 8e9),
    "bit s-1": _Unit("bit s-1", 1.0),
    "bit/s": _Unit("bit s-1", 1.0),
    "Mbit/s": _Unit("bit s-1", 1e6),
}

#: The SI unit of each run channel that telemetry commonly carries.
CHANNEL_UNITS: dict[str, str] = {
    "orbit.latitude": "rad",
    "orbit.longitude": "rad",
    "orbit.altitude": "m",
    "sun.illumination": "1",
    "sun.beta_angle": "rad",
    "power.battery_soc": "1",
    "power.array": "W",
    "power.array_available": "W",
    "power.battery": "W",
    "power.load": "W",
    "power.payload": "W",
    "power.heater": "W",
    "power.shed": "W",
    "power.unmet": "W",
    "power.shunt": "W",
    "power.energy_generated": "J",
    "power.energy_stored": "J",
    "power.energy_consumed": "J",
    "thermal.temperature": "K",
    "thermal.dissipation": "W",
    "compute.junction_temperature": "K",
    "compute.power": "W",
    "compute.energy": "J",
    "compute.throughput": "s-1",
    "compute.utilisation": "1",
    "radiation.dose": "Gy",
    "radiation.dose_rate": "Gy s-1",
    "radiation.cutoff_rigidity": "GV",
    "data.raw_stored": "bit",
    "data.results_stored": "bit",
    "data.downlinked": "bit",
    "data.downlink": "bit s-1",
}

_CHANNEL = re.compile(
    r"^([A-Za-z_][A-Za-z0-9_]*(?:(?:\.|__)[A-Za-z_][A-Za-z0-9_]*)+)(?:\[(\d+)\])?$"
)
_WIDE_HEADER = re.compile(r"^\s*(\S+?)\s*\(\s*([^)]*?)\s*\)\s*$")
_LONG_COLUMNS = ("time", "satellite", "channel", "value", "unit")


def convert_units(
    values: np.ndarray, unit: str, to_unit: str, *, what: str = "values"
) -> np.ndarray:
    """``values`` given in ``unit`` expressed in ``to_unit`` (same dimension; see
    :data:`UNITS`). Raises :class:`TelemetryError` naming ``what`` when not convertible."""
    if unit == to_unit:
        return np.asarray(values, dtype=np.float64)
    a, b = UNITS.get(unit), UNITS.get(to_unit)
    if a is None or b is None or a.dimension != b.dimension:
        same = sorted(k for k, u in UNITS.items() if b is not None and u.dimension == b.dimension)
        allowed = f"one of {', '.join(same)}" if same else f"{to_unit!r} exactly"
        raise TelemetryError(
            f"{what}: unit {unit!r} cannot be converted to {to_unit!r}; allowed: {allowed}"
        )
    si = np.asarray(values, dtype=np.float64) * a.scale + a.offset
    return (si - b.offset) / b.scale


def _si_unit(unit: str) -> str:
    u = UNITS.get(unit)
    return u.dimension if u is not None else unit


def _parse_epoch_ns(value: str, where: str) -> np.int64:
    from .timeutil import parse_epoch

    try:
        ep = parse_epoch(value, where)
    except ValueError as exc:
        raise TelemetryError(str(exc)) from None
    return np.datetime64(ep.iso.rstrip("Z"), "ns").astype(np.int64)


def _times_ns(
    raw: np.ndarray, epoch_ns: np.int64 | None, source: str, rows: np.ndarray
) -> np.ndarray:
    """Absolute times [ns since 1970, UTC] of a column of ISO strings or seconds.

    Each distinct text is parsed once (a long table repeats every time for every
    satellite and channel)."""
    uniq, inverse = np.unique(np.asarray(raw).astype(str), return_inverse=True)
    first = np.zeros(uniq.size, dtype=np.int64)
    first[inverse[::-1]] = np.arange(inverse.size)[::-1]  # first row of each text
    return _parse_times(uniq, epoch_ns, source, rows[first])[inverse]


def _parse_times(
    raw: np.ndarray, epoch_ns: np.int64 | None, source: str, rows: np.ndarray
) -> np.ndarray:
    text = np.array([str(x).strip() for x in raw], dtype=object)
    numeric = np.array([_is_float(x) for x in text], dtype=bool)
    out = np.empty(text.shape, dtype=np.int64)
    if numeric.any():
        k = int(np.argmax(numeric))
        if epoch_ns is None:
            raise TelemetryError(
                f"{source}, row {rows[k]}, column time: {text[k]!r} is a number of seconds but the "
                "file gives no epoch; allowed: ISO 8601 UTC times, or give the epoch "
                "('# epoch: 2024-05-13T00:00:00Z' in a CSV, an 'epoch' attribute in HDF5, "
                "or read_telemetry(..., epoch=...) / --epoch)"
            )
        secs = text[numeric].astype(np.float64)
        if not np.isfinite(secs).all():
            k = int(np.flatnonzero(numeric)[np.argmax(~np.isfinite(secs))])
            raise TelemetryError(
                f"{source}, row {rows[k]}, column time: {text[k]!r}; allowed: a finite number of "
                "seconds since the epoch or an ISO 8601 UTC time"
            )
        out[numeric] = epoch_ns + np.round(secs * 1e9).astype(np.int64)
    unix = datetime(1970, 1, 1, tzinfo=timezone.utc)
    for k in np.flatnonzero(~numeric):
        text_k = str(text[k])
        try:
            dt = datetime.fromisoformat(text_k.replace("Z", "+00:00").replace(" ", "T"))
        except ValueError:
            raise TelemetryError(
                f"{source}, row {rows[k]}, column time: {text_k!r}; allowed: an ISO 8601 "
                "time such as 2024-05-13T00:01:00Z (UTC unless it gives an offset) or seconds "
                "since the epoch"
            ) from None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        out[k] = (dt - unix) // timedelta(microseconds=1) * 1000
    return out


def _finite(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _read_csv(path: Path) -> tuple[dict[str, np.ndarray], np.ndarray, dict[str, str]]:
    """Long-layout columns, source line numbers and ``# key: value`` header comments."""
    source = f"telemetry file {str(path)!r}"
    meta: dict[str, str] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    start = 0
    while start < len(lines) and (lines[start].startswith("#") or not lines[start].strip()):
        m = re.match(r"^#\s*([A-Za-z_]+)\s*[:=]\s*(.+?)\s*$", lines[start])
        if m:
            meta[m.group(1).lower()] = m.group(2)
        start += 1
    if start == len(lines):
        raise TelemetryError(
            f"{source} has no header row; allowed: a CSV with a header such as "
            "'time,satellite,channel,value,unit'"
        )
    reader = csv.reader(lines[start:])
    header = [h.strip() for h in next(reader)]
    body = [r for r in reader if r and any(x.strip() for x in r)]
    # File line numbers of the data rows (blank lines skipped as above).
    nums = [i + start + 2 for i, r in enumerate(lines[start + 1 :]) if r.strip()]
    line_of = np.asarray(nums[: len(body)], dtype=np.int64)
    for k, row in enumerate(body):
        if len(row) != len(header):
            raise TelemetryError(
                f"{source}, row {line_of[k]}: {len(row)} fields; allowed: {len(header)} "
                f"fields as in the header ({', '.join(header)})"
            )
    table = (
        np.array(body, dtype=object).reshape(len(body), len(header))
        if body
        else np.empty((0, len(header)), dtype=object)
    )
    lower = [h.lower() for h in header]
    if "time" not in lower or "satellite" not in lower:
        raise TelemetryError(
            f"{source}: header {', '.join(header)}; allowed: columns time, satellite, channel, "
            "value, unit (long layout) or time, satellite and one 'channel (unit)' column per "
            "channel (wide layout)"
        )
    col = {h: table[:, k] for k, h in enumerate(lower)}
    if "channel" in lower or "value" in lower:
        missing = [c for c in _LONG_COLUMNS if c not in lower]
        if missing:
            raise TelemetryError(
                f"{source}: header has no column {missing[0]!r}; allowed: columns "
                f"{', '.join(_LONG_COLUMNS)} (long layout)"
            )
        return {c: col[c] for c in _LONG_COLUMNS}, line_of, meta
    # Wide layout: one column per channel, "channel (unit)".
    channel_cols = [(k, h) for k, h in enumerate(header) if h.lower() not in ("time", "satellite")]
    if not channel_cols:
        raise TelemetryError(f"{source}: header {', '.join(header)} names no channel columns")
    parts: dict[str, list[np.ndarray]] = {c: [] for c in _LONG_COLUMNS}
    rows = []
    for k, h in channel_cols:
        m = _WIDE_HEADER.match(h)
        if not m:
            raise TelemetryError(
                f"{source}: column {h!r} has no unit; allowed: a header such as "
                "'thermal.temperature[0] (degC)' or 'power.battery_soc (1)'"
            )
        values = table[:, k]
        keep = np.array([str(v).strip() != "" for v in values], dtype=bool)
        parts["time"].append(col["time"][keep])
        parts["satellite"].append(col["satellite"][keep])
        parts["channel"].append(np.full(keep.sum(), m.group(1), dtype=object))
        parts["value"].append(values[keep])
        parts["unit"].append(np.full(keep.sum(), m.group(2), dtype=object))
        rows.append(line_of[keep])
    return (
        {c: np.concatenate(v) for c, v in parts.items()},
        np.concatenate(rows),
        meta,
    )


def _read_hdf5(path: Path) -> tuple[dict[str, np.ndarray], np.ndarray, dict[str, str]]:
    import h5py

    source = f"telemetry file {str(path)!r}"
    with h5py.File(path, "r") as f:
        g = f["telemetry"] if "telemetry" in f and isinstance(f["telemetry"], h5py.Group) else f
        missing = [c for c in _LONG_COLUMNS if c not in g]
        if missing:
            raise TelemetryError(
                f"{source}: no dataset {missing[0]!r}; allowed: 1-D datasets "
                f"{', '.join(_LONG_COLUMNS)} of one length at the root or in a group 'telemetry'"
            )
        cols = {}
        for c in _LONG_COLUMNS:
            d = g[c][...]
            if d.ndim != 1:
                raise TelemetryError(f"{source}: dataset {c!r} has shape {d.shape}; allowed: 1-D")
            if d.dtype.kind in "SO":
                d = np.array(
                    [x.decode() if isinstance(x, bytes) else str(x) for x in d], dtype=object
                )
            cols[c] = d
        lengths = {c: len(v) for c, v in cols.items()}
        if len(set(lengths.values())) != 1:
            raise TelemetryError(
                f"{source}: datasets have lengths {lengths}; allowed: one length for all columns"
            )
        meta = {}
        for obj in (f, g):
            if "epoch" in obj.attrs:
                v = obj.attrs["epoch"]
                meta["epoch"] = v.decode() if isinstance(v, bytes) else str(v)
    n = len(cols["time"])
    return cols, np.arange(n, dtype=np.int64), meta


def _parse_channel(name: str, source: str, row: int) -> tuple[str, int]:
    m = _CHANNEL.match(name.strip())
    if not m:
        raise TelemetryError(
            f"{source}, row {row}, column channel: {name!r}; allowed: a run channel such as "
            "'power.battery_soc' or 'thermal.temperature[2]' (element 2 of the node dimension)"
        )
    return m.group(1).replace("__", "."), int(m.group(2)) if m.group(2) is not None else -1


def _inner_dim(channel: str) -> str:
    if channel.startswith("thermal."):
        return "node"
    if channel.startswith("ground."):
        return "station"
    return f"{channel.replace('.', '__')}_dim0"


def read_telemetry(path: str | os.PathLike[str], *, epoch: str | None = None) -> Any:
    """Reads telemetry (long or wide CSV, or HDF5 columns; see the module docstring)
    into an ``xarray.Dataset`` shaped like a run: dims ``time`` x ``satellite``
    (x inner dims), one variable per channel in the run's SI unit with a ``units``
    attribute, NaN where not measured. ``epoch`` (ISO 8601 UTC) is the zero of numeric
    times when the file gives no epoch of its own (a file's epoch says what its numbers
    mean, so it wins; the Dataset's ``epoch`` attribute is the one used). Raises
    FileNotFoundError or
    :class:`TelemetryError` naming the file, row or column, value and what is allowed."""
    import xarray as xr

    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"telemetry file {str(p)!r} does not exist")
    source = f"telemetry file {str(p)!r}"
    with open(p, "rb") as fh:
        is_hdf5 = fh.read(8) == HDF5_SIGNATURE
    if is_hdf5 and not is_telemetry_file(p):
        from .results import open_run

        return open_run(p)  # an orbitwin run is run-shaped telemetry already
    cols, rows, meta = _read_hdf5(p) if is_hdf5 else _read_csv(p)
    n = len(cols["time"])
    if n == 0:
        raise TelemetryError(f"{source} has no measurements")
    epoch_text = meta.get("epoch") or epoch
    epoch_ns = _parse_epoch_ns(epoch_text, "epoch") if epoch_text else None

    t_raw = cols["time"]
    if np.asarray(t_raw).dtype.kind in "fiu":
        if epoch_ns is None:
            raise TelemetryError(
                f"{source}: times are numbers of seconds but no epoch is given; allowed: an "
                "'epoch' attribute, or read_telemetry(..., epoch=...) / --epoch"
            )
        t_ns = epoch_ns + np.round(np.asarray(t_raw, dtype=np.float64) * 1e9).astype(np.int64)
    else:
        t_ns = _times_ns(np.asarray(t_raw, dtype=object), epoch_ns, source, rows)

    values_raw = cols["value"]
    try:
        values = np.asarray(values_raw, dtype=np.float64)
    except (ValueError, TypeError):
        values = None
    if values is None:
        bad = next(k for k, v in enumerate(values_raw) if not _is_float(v))
        raise TelemetryError(
            f"{source}, row {rows[bad]}, column value: {values_raw[bad]!r}; allowed: a number "
            "(empty rows are not allowed in the long layout; leave the row out)"
        )

    sat_text = np.array([str(s).strip() for s in cols["satellite"]], dtype=object)
    empty = np.flatnonzero(sat_text == "")
    if empty.size:
        raise TelemetryError(
            f"{source}, row {rows[empty[0]]}, column satellite: empty; allowed: a satellite name "
            "or index"
        )
    by_index = all(s.isdigit() for s in np.unique(sat_text))
    sat_names, sat_of = np.unique(sat_text, return_inverse=True)
    if by_index:
        order = np.argsort(sat_names.astype(np.int64))
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        sat_names, sat_of = sat_names[order], rank[sat_of]
    times, t_of = np.unique(t_ns, return_inverse=True)

    channel_text = np.array([str(c) for c in cols["channel"]], dtype=object)
    unit_text = np.array([str(u).strip() for u in cols["unit"]], dtype=object)
    uniq, first, inv = np.unique(channel_text, return_index=True, return_inverse=True)
    parsed = [_parse_channel(c, source, int(rows[k])) for c, k in zip(uniq, first, strict=True)]
    base_of = np.array([b for b, _ in parsed], dtype=object)[inv]
    elem_of = np.array([e for _, e in parsed], dtype=np.int64)[inv]

    data_vars = {}
    for base in sorted(set(base_of.tolist())):
        sel = np.flatnonzero(base_of == base)
        target = CHANNEL_UNITS.get(base)
        units_here = np.unique(unit_text[sel])
        v = values[sel].copy()
        out_unit = target
        for u in units_here:
            m = sel[unit_text[sel] == u]
            k = int(np.flatnonzero(unit_text[sel] == u)[0])
            where = f"{source}, row {rows[sel[k]]}, channel {base}"
            if target is None and u not in UNITS:
                goal = u  # a channel and unit this module does not know: kept as given
            elif u not in UNITS and u != target:
                same = sorted(x for x, d in UNITS.items() if d.dimension == _si_unit(target))
                raise TelemetryError(
                    f"{where}: unit {u!r} is not understood; allowed: {', '.join(same)}"
                )
            else:
                goal = target if target is not None else _si_unit(u)
            if out_unit is None:
                out_unit = goal
            elif goal != out_unit:
                raise TelemetryError(
                    f"{where}: unit {u!r} does not fit the channel's other rows in {out_unit!r}; "
                    "allowed: one dimension per channel"
                )
            idx = np.isin(sel, m)
            v[idx] = convert_units(values[m], u, out_unit, what=where)
        elems = elem_of[sel]
        if (elems >= 0).any() and (elems < 0).any():
            k = int(np.argmax(elems < 0))
            raise TelemetryError(
                f"{source}, row {rows[sel[k]]}, channel {base}: mixes rows with and without an "
                "element index; allowed: 'channel[k]' on every row of a channel with an inner "
                "dimension"
            )
        name = base.replace(".", "__")
        nt, ns = times.size, sat_names.size
        if (elems >= 0).any():
            ne = int(elems.max()) + 1
            flat = (t_of[sel] * ns + sat_of[sel]) * ne + elems
            arr = np.full(nt * ns * ne, np.nan)
            shape: tuple[int, ...] = (nt, ns, ne)
            dims: tuple[str, ...] = ("time", "satellite", _inner_dim(base))
        else:
            flat = t_of[sel] * ns + sat_of[sel]
            arr = np.full(nt * ns, np.nan)
            shape, dims = (nt, ns), ("time", "satellite")
        u_flat, first_at, counts = np.unique(flat, return_index=True, return_counts=True)
        if (counts > 1).any():
            dup = u_flat[counts > 1][0]
            rr = rows[sel[flat == dup]]
            raise TelemetryError(
                f"{source}, rows {rr[0]} and {rr[1]}: two values of {base} for one satellite at "
                "one time; allowed: one value per time, satellite and channel"
            )
        arr[flat] = v
        data_vars[name] = xr.Variable(
            dims,
            arr.reshape(shape),
            attrs={"units": out_unit, "long_name": f"{base} (telemetry)", "orbitwin_channel": base},
        )
    ds = xr.Dataset(
        data_vars,
        coords={
            "time": ("time", times.astype("datetime64[ns]")),
            "satellite": ("satellite", np.arange(sat_names.size, dtype=np.int32)),
            "satellite_name": ("satellite", sat_names.astype(str)),
        },
        attrs={
            "source": str(p),
            "orbitwin_telemetry": 1,
            "satellite_key": "index" if by_index else "name",
        },
    )
    if epoch_ns is not None:
        ds.attrs["epoch"] = str(np.datetime64(int(epoch_ns), "ns").astype("datetime64[us]")) + "Z"
    ds.attrs["events"] = None
    return ds


def _is_float(v: Any) -> bool:
    try:
        float(v)
        return True
    except (ValueError, TypeError):
        return False


def is_telemetry_file(path: str | os.PathLike[str]) -> bool:
    """True for a CSV file, or an HDF5 file that is not an orbitwin run."""
    p = Path(path)
    if p.suffix.lower() in (".csv", ".txt", ".tsv"):
        return True
    try:
        with open(p, "rb") as fh:
            head = fh.read(8)
    except OSError:
        return False
    if head != HDF5_SIGNATURE:
        return True  # text: read as CSV
    import h5py

    with h5py.File(p, "r") as f:
        return "orbitwin_version" not in f.attrs
