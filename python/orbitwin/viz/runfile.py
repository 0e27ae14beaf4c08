"""Reading a run file for looking at it: generic over whatever channels it holds.

A :class:`RunFile` opens an orbitwin HDF5 run (h5py, lazily, one frame at a
time, with a chunk cache large enough for whole frames) and lists its
:class:`Field` s: every ``(time, satellite[, inner])`` variable, described by its
own ``units`` and ``long_name`` attributes. A channel with an inner dimension
(``station``, ``node``, ``xyz``) gives one field per component (``[Svalbard]``,
``[2]``) and reductions over it (``:max``, ``:min``, ``:mean``, and ``:norm`` for
vectors). Angles are shown in degrees (``rad`` -> ``deg``); every other unit is
shown as written in the file.

Time lookup (:func:`frame_index`): a time is seconds since the epoch (a number),
a duration text (``"6h"``, ``"90min"``) or an ISO 8601 UTC instant. The rule
``"nearest"`` (default) takes the frame closest in time, the earlier one on a
tie; ``"floor"`` takes the last frame at or before the time (the newest state
already recorded). Times outside the recorded span raise ``ValueError``.

Picking (:func:`nearest_satellite`, :meth:`RunFile.describe`): a picked screen
point is a world point; the satellite nearest to it (within a tolerance) is the
picked one, and its name and current values are listed with units.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import h5py
import numpy as np

from ..timeutil import NS_PER_S, Epoch, duration_ns, parse_epoch

#: Reductions over an inner dimension; ``norm`` only for ``xyz`` vectors.
REDUCTIONS = ("max", "min", "mean", "norm")
#: Display conversions: file unit -> (shown unit, factor).
UNIT_DISPLAY = {"rad": ("deg", 180.0 / math.pi), "rad s-1": ("deg s-1", 180.0 / math.pi)}
#: h5py chunk cache per dataset [bytes]: a whole chunk of frames stays decompressed.
CHUNK_CACHE_BYTES = 64 * 2**20


@dataclass(frozen=True)
class Field:
    """One colourable quantity per satellite: a variable, maybe one component or a reduction.

    ``key`` is what users type (``orbit.altitude``, ``ground.elevation[Svalbard]``,
    ``thermal.temperature:max``); ``units`` and ``factor`` convert raw file values
    to the shown unit (``shown = raw * factor``).
    """

    key: str
    variable: str
    long_name: str
    units: str
    factor: float = 1.0
    component: int | None = None
    reduction: str | None = None
    integer: bool = False

    @property
    def label(self) -> str:
        """Colour-bar title: the long name with the unit in brackets (none for ``1``)."""
        unit = "" if self.units in ("", "1") else f" [{self.units}]"
        return f"{self.long_name}{unit}"

    def select(self, raw: np.ndarray) -> np.ndarray:
        """Values shown for raw data shaped (..., n_sat[, inner...]) -> (..., n_sat) float64."""
        data = np.asarray(raw)
        if self.component is not None:
            data = data[..., self.component]
        elif self.reduction == "norm":
            data = np.linalg.norm(data.astype(np.float64), axis=-1)
        elif self.reduction is not None:
            fn = {"max": np.nanmax, "min": np.nanmin, "mean": np.nanmean}[self.reduction]
            with warnings.catch_warnings():  # all-NaN slices give NaN, as wanted
                warnings.simplefilter("ignore", RuntimeWarning)
                data = fn(data.astype(np.float64), axis=-1)
        return data.astype(np.float64) * self.factor


def display_unit(units: str) -> tuple[str, float]:
    """(shown unit, factor) for a file unit: radians become degrees, others stay."""
    return UNIT_DISPLAY.get(units, (units, 1.0))


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def parse_time(value: float | int | str, epoch: Epoch) -> float:
    """Seconds since ``epoch`` of a number (seconds), a duration text or an ISO instant."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return duration_ns(value, "time", allow_zero=True) / NS_PER_S
        except ValueError:
            pass
        try:
            instant = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"time is {value!r}; allowed: seconds since the epoch (600), a duration "
                "('6h', '90min') or an ISO 8601 UTC instant ('2024-05-13T06:00:00Z')"
            ) from None
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=timezone.utc)
        return (instant - epoch.datetime).total_seconds()
    raise ValueError(f"time is {value!r}; allowed: a number of seconds or a string")


def frame_index(
    times_s: np.ndarray, t_s: float, rule: str = "nearest", tolerance_s: float = 1e-6
) -> int:
    """The frame for ``t_s`` [s since the epoch] among sorted frame ``times_s`` [s].

    ``rule="nearest"``: the closest frame, the earlier on a tie. ``rule="floor"``:
    the last frame at or before ``t_s``. Outside ``[times_s[0], times_s[-1]]`` (beyond
    ``tolerance_s``) raises ``ValueError`` naming the recorded span.
    """
    times = np.asarray(times_s, dtype=np.float64)
    if times.size == 0:
        raise ValueError("the run has no recorded frames")
    if rule not in ("nearest", "floor"):
        raise ValueError(f"time rule is {rule!r}; allowed: 'nearest' or 'floor'")
    if not (times[0] - tolerance_s <= t_s <= times[-1] + tolerance_s) or not math.isfinite(t_s):
        raise ValueError(
            f"time {t_s:g} s is outside the recorded span {times[0]:g} s .. {times[-1]:g} s"
        )
    right = int(np.searchsorted(times, t_s + tolerance_s, side="right"))
    floor = max(right - 1, 0)
    if rule == "floor" or floor + 1 >= times.size:
        return floor
    return floor if t_s - times[floor] <= times[floor + 1] - t_s else floor + 1


def nearest_satellite(
    positions: np.ndarray, point: Sequence[float], max_distance: float = math.inf
) -> int | None:
    """Index of the satellite (rows of ``positions`` (n, 3)) nearest to ``point``, or
    ``None`` when none is within ``max_distance`` (same length unit; NaN rows skipped)."""
    pos = np.asarray(positions, dtype=np.float64)
    if pos.size == 0:
        return None
    d2 = np.sum((pos - np.asarray(point, dtype=np.float64)) ** 2, axis=1)
    d2 = np.where(np.isfinite(d2), d2, np.inf)
    i = int(np.argmin(d2))
    return i if d2[i] <= max_distance**2 else None


def format_value(value: float, units: str, integer: bool = False) -> str:
    """A value with its unit for people (``553.2 km`` style, 4 significant digits)."""
    if not math.isfinite(value):
        return "n/a"
    if integer:
        text = f"{int(value)}"
    elif 1e4 <= abs(value) < 1e12:
        text = f"{value:.0f}"
    else:
        text = f"{value:.4g}"
    return text if units in ("", "1") else f"{text} {units}"


class RunFile:
    """An orbitwin run file opened for reading (use as a context manager or ``close()``)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"run file {str(self.path)!r} does not exist")
        try:
            self._file = h5py.File(self.path, "r", rdcc_nbytes=CHUNK_CACHE_BYTES, rdcc_nslots=10007)
        except OSError as exc:
            raise ValueError(
                f"{str(self.path)!r} is not a readable HDF5 run file ({exc})"
            ) from None
        f = self._file
        try:
            self.times_s: np.ndarray = f["time"][:].astype(np.float64)  # [s] since the epoch
            self.satellite_names: list[str] = [_text(n) for n in f["satellite_name"][:]]
        except KeyError as exc:
            raise ValueError(f"{str(self.path)!r} is not an orbitwin run file ({exc})") from None
        self.fleet: list[str] = [_text(n) for n in f["fleet"][:]] if "fleet" in f else []
        self.plane = f["plane"][:] if "plane" in f else np.zeros(len(self.satellite_names), int)
        self.station_names: list[str] = (
            [_text(n) for n in f["station_name"][:]] if "station_name" in f else []
        )
        self.attrs: dict[str, object] = {k: _attr(v) for k, v in f.attrs.items()}
        self.epoch: Epoch = parse_epoch(str(self.attrs.get("epoch", "2000-01-01T12:00:00Z")))
        self._open: dict[
            str, h5py.Dataset
        ] = {}  # kept open: HDF5 keeps a chunk cache per open dataset
        self.fields: dict[str, Field] = {}
        for field in self._discover_fields():
            self.fields[field.key] = field

    # ---- basics --------------------------------------------------------------
    def __enter__(self) -> RunFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._open.clear()
        if self._file.id.valid:
            self._file.close()

    @property
    def n_frames(self) -> int:
        return int(self.times_s.size)

    @property
    def n_satellites(self) -> int:
        return len(self.satellite_names)

    @property
    def complete(self) -> bool:
        return bool(self.attrs.get("orbitwin_complete", 0))

    def has(self, variable: str) -> bool:
        """Whether the file holds ``variable`` (``orbit__altitude``) with frames."""
        return variable in self._file and self._file[variable].shape[:1] == (self.n_frames,)

    def variables(self) -> list[str]:
        """Names of the per-satellite time series in the file."""
        return [name for name, _ in self._series()]

    def instant(self, frame: int) -> datetime:
        """UTC time of ``frame``."""
        return self.epoch.plus(int(round(self.times_s[frame] * NS_PER_S)))

    # ---- fields --------------------------------------------------------------
    def _series(self) -> Iterator[tuple[str, h5py.Dataset]]:
        n_t, n_s = self.n_frames, self.n_satellites
        for name, obj in self._file.items():
            if isinstance(obj, h5py.Dataset) and obj.ndim >= 2 and obj.shape[:2] == (n_t, n_s):
                yield name, obj

    def _inner_labels(self, ds: h5py.Dataset) -> tuple[str, list[str]]:
        """(dimension name, component labels) of a series' first inner dimension."""
        size = ds.shape[2]
        dim = ""
        try:
            scales = list(ds.dims[2].keys())
            dim = scales[0] if scales else ""
        except (IndexError, RuntimeError):
            pass
        names_var = f"{dim}_name"
        if names_var in self._file and self._file[names_var].shape == (size,):
            return dim, [_text(n) for n in self._file[names_var][:]]
        if dim == "xyz":
            return dim, ["x", "y", "z"]
        return dim, [str(k) for k in range(size)]

    def _discover_fields(self) -> Iterator[Field]:
        for name, ds in self._series():
            units, factor = display_unit(_text(ds.attrs.get("units", "")))
            long_name = _text(ds.attrs.get("long_name", name))
            key = _text(ds.attrs.get("orbitwin_channel", name.replace("__", ".")))
            integer = ds.dtype.kind in "iub"
            if ds.ndim == 2:
                yield Field(key, name, long_name, units, factor, integer=integer)
                continue
            if ds.ndim > 3:  # matrices (body axes): not a per-satellite colour
                continue
            dim, labels = self._inner_labels(ds)
            reductions = ("norm",) if dim == "xyz" else ("max", "min", "mean")
            for red in reductions:
                yield Field(
                    f"{key}:{red}",
                    name,
                    f"{long_name} ({red} over {dim or 'components'})",
                    units,
                    factor,
                    reduction=red,
                    integer=integer and red in ("max", "min"),
                )
            for k, lab in enumerate(labels):
                yield Field(
                    f"{key}[{lab}]",
                    name,
                    f"{long_name} ({lab})",
                    units,
                    factor,
                    component=k,
                    integer=integer,
                )

    def field(self, spec: str) -> Field:
        """The field for ``spec``: a channel (``orbit.altitude``) or variable name
        (``orbit__altitude``), with ``[component]`` or ``:reduction`` for channels
        with an inner dimension (default ``:max``). Raises ``ValueError`` listing
        the allowed names."""
        text = spec.strip()
        for candidate in (text, text.replace("__", "."), f"{text}:max", f"{text}:norm"):
            if candidate in self.fields:
                return self.fields[candidate]
            dotted = candidate.replace("__", ".")
            if dotted in self.fields:
                return self.fields[dotted]
        raise ValueError(
            f"colour channel {spec!r} is not in {self.path.name}; allowed: "
            + ", ".join(self.fields)
        )

    def default_field(self) -> Field:
        """Illumination when present (shows the eclipse), else the first field."""
        for key in ("sun.illumination", "orbit.altitude"):
            if key in self.fields:
                return self.fields[key]
        if not self.fields:
            raise ValueError(f"{self.path.name} has no per-satellite channels")
        return next(iter(self.fields.values()))

    # ---- data ----------------------------------------------------------------
    def dataset(self, variable: str) -> h5py.Dataset:
        """The open dataset of ``variable`` (kept open so its chunk cache lives on)."""
        ds = self._open.get(variable)
        if ds is None:
            ds = self._open[variable] = self._file[variable]
        return ds

    def raw(self, variable: str, frame: int) -> np.ndarray:
        """Raw values of ``variable`` at ``frame``: (n_sat[, inner...])."""
        return self.dataset(variable)[frame]

    def values(self, field: Field, frame: int) -> np.ndarray:
        """Shown values (n_sat,) of ``field`` at ``frame`` (NaN where not defined)."""
        return field.select(self.raw(field.variable, frame))

    def history(self, field: Field, satellite: int) -> np.ndarray:
        """Shown values (n_frames,) of ``field`` for one satellite over the run."""
        return field.select(self.dataset(field.variable)[:, satellite])

    def histories(self, field: Field, satellites: Sequence[int]) -> np.ndarray:
        """Shown values (n_frames, k) of ``field`` for several satellites, read in one pass."""
        idx = np.asarray(satellites, dtype=np.int64)
        if idx.size == 0:
            return np.empty((self.n_frames, 0))
        cols, inverse = np.unique(idx, return_inverse=True)
        data = self.dataset(field.variable)[:, cols]
        return field.select(data)[:, inverse]

    def block(self, variable: str, start: int, stop: int) -> np.ndarray:
        """Raw frames ``start:stop`` of ``variable``."""
        return self.dataset(variable)[start:stop]

    def value_range(self, field: Field, samples: int = 16) -> tuple[float, float]:
        """(low, high) of ``field`` over up to ``samples`` frames spread over the run,
        for a colour range that stays fixed while time moves."""
        frames = np.unique(np.linspace(0, self.n_frames - 1, min(samples, self.n_frames)).round())
        lo, hi = math.inf, -math.inf
        for fr in frames.astype(int):
            v = self.values(field, int(fr))
            v = v[np.isfinite(v)]
            if v.size:
                lo, hi = min(lo, float(v.min())), max(hi, float(v.max()))
        if not math.isfinite(lo):
            return 0.0, 1.0
        if hi <= lo:
            pad = max(abs(lo) * 1e-3, 1e-9)
            return lo - pad, hi + pad
        return lo, hi

    def geodetic(self, frame: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(latitude [rad], longitude [rad], altitude [m]) of every satellite at ``frame``."""
        f = self._file
        for name in ("orbit__latitude", "orbit__longitude", "orbit__altitude"):
            if name not in f:
                raise ValueError(
                    f"{self.path.name} has no {name}: record orbit.latitude, orbit.longitude "
                    "and orbit.altitude to place satellites"
                )
        return (
            self.raw("orbit__latitude", frame),
            self.raw("orbit__longitude", frame),
            self.raw("orbit__altitude", frame),
        )

    def geodetic_history(
        self, satellites: Sequence[int]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(latitude, longitude, altitude) (n_frames, k) of the given satellites over the run."""
        idx = np.asarray(satellites, dtype=np.int64)
        order = np.argsort(idx)
        inverse = np.argsort(order)
        cols = np.unique(idx)
        out = []
        for name in ("orbit__latitude", "orbit__longitude", "orbit__altitude"):
            data = self.dataset(name)[:, cols] if cols.size else np.empty((self.n_frames, 0))
            pos = np.searchsorted(cols, idx[order])
            out.append(data[:, pos][:, inverse])
        return out[0], out[1], out[2]

    def satellite_index(self, name_or_index: str | int) -> int:
        """Index of a satellite given by name or index; ``ValueError`` if unknown."""
        if isinstance(name_or_index, int) or str(name_or_index).isdigit():
            i = int(name_or_index)
            if 0 <= i < self.n_satellites:
                return i
        elif name_or_index in self.satellite_names:
            return self.satellite_names.index(str(name_or_index))
        raise ValueError(
            f"satellite {name_or_index!r} is not in {self.path.name}; allowed: a name such as "
            f"{self.satellite_names[0]!r} or an index 0..{self.n_satellites - 1}"
        )

    def describe(
        self, satellite: int, frame: int, fields: Sequence[Field] | None = None
    ) -> list[tuple[str, str]]:
        """(label, value with unit) rows for a picked satellite at ``frame``: name, fleet,
        plane, time, then every scalar field (components of inner channels left out)."""
        rows = [("satellite", self.satellite_names[satellite])]
        if self.fleet:
            rows.append(("fleet", self.fleet[satellite]))
        rows.append(("plane", str(int(self.plane[satellite]))))
        rows.append(("time", self.instant(frame).strftime("%Y-%m-%d %H:%M:%S UTC")))
        chosen = (
            fields
            if fields is not None
            else [
                f
                for f in self.fields.values()
                if f.component is None and f.reduction in (None, "max", "norm")
            ]
        )
        for field in chosen:
            raw = self.dataset(field.variable)[frame, satellite]
            value = float(field.select(np.asarray(raw)[None, ...])[0])
            rows.append((field.long_name, format_value(value, field.units, field.integer)))
        return rows

    def events(self) -> dict[str, np.ndarray]:
        """The ``events`` group as columns (time [s], kind, satellite, satellite_name, ...);
        empty arrays when the file has none."""
        cols = ("time", "time_ns", "kind", "fleet", "satellite", "satellite_name", "details")
        g = self._file.get("events")
        out: dict[str, np.ndarray] = {}
        for c in cols:
            if g is not None and c in g:
                data = g[c][:]
                if data.dtype.kind in "OS":
                    data = np.array([_text(x) for x in data], dtype=object)
                out[c] = data
            else:
                out[c] = np.empty(0, dtype=object if c in ("kind", "details") else float)
        return out

    def station_positions_deg(self) -> list[tuple[str, float, float] | None]:
        """(name, latitude [deg], longitude [deg]) per station: from ``station_latitude`` /
        ``station_longitude`` variables when the file has them, else from
        :data:`orbitwin.ground.DEFAULT_STATIONS` by name; ``None`` where unknown."""
        f = self._file
        if "station_latitude" in f and "station_longitude" in f:
            lat, lon = f["station_latitude"], f["station_longitude"]
            k = 180.0 / math.pi if _text(lat.attrs.get("units", "rad")) == "rad" else 1.0
            return [
                (n, float(a) * k, float(b) * k)
                for n, a, b in zip(self.station_names, lat[:], lon[:], strict=True)
            ]
        from ..ground import DEFAULT_STATIONS

        known = {s.name: s for s in DEFAULT_STATIONS}
        return [
            (n, known[n].latitude_deg, known[n].longitude_deg) if n in known else None
            for n in self.station_names
        ]


def _attr(value: object) -> object:
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.generic):
        return value.item()
    return value
