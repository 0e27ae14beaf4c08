"""Calibration: fit design parameters of the twin to telemetry by least squares.

``calibrate(model, telemetry, parameters=[...], channels=[...])`` finds the
values of chosen per-satellite parameters (radiator emissivity, face
absorptivities, link conductances, battery capacity, array efficiency, ...)
that make the twin reproduce telemetry channels (``thermal.temperature``,
``power.battery_soc``, ...), with 1-sigma uncertainties from the Jacobian at
the solution: covariance = s^2 (J^T J)^-1 with s^2 = chi^2 / (m - n), the
correlation matrix and the residual RMS per channel.

The optimiser is :func:`scipy.optimize.least_squares` (trust-region
reflective, within physical bounds; scipy is the optional extra ``fit``). The
model is evaluated vectorised: every parameter is a per-satellite array in the
core, so one twin run holds K copies of the telemetry satellite(s), each with
its own parameter values: the current point and its finite-difference steps,
i.e. the residuals and every Jacobian column come from ONE ``advance``. No
Python loop runs over steps or satellites.

Telemetry is an ``xarray.Dataset`` shaped like a run (dimensions ``time`` x
``satellite`` [x inner], variables named ``group__field`` with ``units``,
satellite names in ``satellite_name`` or as the ``satellite`` coordinate) --
an orbitwin run file opened with :func:`orbitwin.open_run` serves as
telemetry. Telemetry satellites are matched to the scenario's satellites by
name. The model starts from the scenario's epoch and initial state; the
scenario's SimPy processes (faults, operations) and radiation are not
replayed.

Validated in ``tests/test_calibrate.py``: parameters perturbed by -10 %, +8 %
and -15 % are recovered from noisy synthetic telemetry made by the twin itself,
within 3 sigma and a stated absolute tolerance.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .constellations import ElementSet
from .scenario import Scenario, load_scenario
from .telemetry import read_telemetry
from .timeutil import NS_PER_S, duration_ns, parse_epoch
from .tle import TleSet
from .twin import Fleet, Twin

#: Builds a twin whose fleet holds ``copies`` consecutive copies of the satellites
#: ``names`` (satellite ``k * len(names) + i`` is copy k of ``names[i]``).
TwinFactory = Callable[[Sequence[str], int], tuple[Twin, Fleet]]


class CalibrationError(ValueError):
    """Bad calibration input: the message names the field, the value and what is allowed."""


# ---- parameters --------------------------------------------------------------------

#: Convenience names for parameters spread over several elements of a core array.
ALIASES: dict[str, str] = {
    "radiator.absorptivity": "thermal.face_absorptivity[<radiator faces>]",
}

#: Upper bounds of parameters whose physical range is narrower than (0, inf).
_UPPER: dict[str, float] = {
    "radiator.emissivity": 1.0,
    "thermal.face_absorptivity": 1.0,
    "thermal.face_emissivity": 1.0,
    "power.array_efficiency": 0.5,
    "power.charge_efficiency": 1.0,
    "power.discharge_efficiency": 1.0,
    "power.soc_floor": 0.9,
    "compute.demand": 1.0,
    "compute.clock_cap": 1.0,
}

_SPEC = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(?:\[\s*([^\]]*)\s*\])?\s*$")


@dataclass(frozen=True)
class Parameter:
    """A fitted parameter: core channel ``channel``, the columns ``columns`` of its
    per-satellite row (None: a scalar per satellite) that share one value."""

    name: str  #: as the user wrote it (e.g. ``thermal.face_absorptivity[array_front]``)
    channel: str  #: the core parameter channel
    columns: tuple[int, ...] | None
    unit: str
    lower: float
    upper: float


def _element_names(fleet: Fleet, channel: str) -> tuple[str, ...] | None:
    d = fleet.design
    if d is None:
        return None
    if channel in ("thermal.capacity",):
        return d.node_names
    if channel == "thermal.conductance":
        return tuple(f"{link.node_a}-{link.node_b}" for link in d.links)
    if channel.startswith("thermal.face_"):
        return d.face_names
    if channel.startswith("thermal.heater_"):
        return d.heater_names
    return None


def _resolve_columns(
    what: str, spec: str, selector: str, names: Sequence[str] | None, size: int
) -> tuple[int, ...]:
    cols = []
    for token in (t.strip() for t in re.split(r"[,+]", selector)):
        if not token:
            continue
        if names is not None and token in names:
            cols.append(names.index(token))
        elif token.lstrip("-").isdigit() and -size <= int(token) < size:
            cols.append(int(token) % size)
        else:
            allowed = ", ".join(names) if names else f"indices 0 to {size - 1}"
            raise CalibrationError(
                f"{what} {spec!r}: element {token!r} is unknown; allowed: {allowed}"
            )
    if not cols:
        raise CalibrationError(f"{what} {spec!r} selects no element; allowed: a name or index")
    return tuple(dict.fromkeys(cols))


def parse_parameter(spec: str, fleet: Fleet) -> Parameter:
    """Resolves a parameter spec against ``fleet``: a float parameter channel
    (``radiator.emissivity``, ``power.battery_capacity``) or one of its elements
    (``thermal.face_absorptivity[array_front]``, ``thermal.conductance[payload-radiator]``,
    several joined by ``+`` share one value), or an alias (``radiator.absorptivity``:
    every radiator face's absorptivity)."""
    m = _SPEC.match(spec) if isinstance(spec, str) else None
    channels = fleet.channels
    fittable = sorted(
        n for n, c in channels.items() if c["parameter"] and np.dtype(c["dtype"]) == np.float64
    )
    if m is None:
        raise CalibrationError(
            f"calibration parameter {spec!r} is malformed; allowed: NAME or NAME[ELEMENT+...], "
            f"NAME one of {', '.join([*fittable, *ALIASES])}"
        )
    name, selector = m.group(1), m.group(2)
    if name == "radiator.absorptivity" and selector is None:
        d = fleet.design
        rad = [i for i, f in enumerate(d.faces) if f.radiator] if d is not None else []
        if not rad:
            raise CalibrationError(
                f"calibration parameter {spec!r}: fleet {fleet.name!r} has no radiator faces"
            )
        info = channels["thermal.face_absorptivity"]
        return Parameter(spec, "thermal.face_absorptivity", tuple(rad), info["unit"], 0.0, 1.0)
    info = channels.get(name)
    if name not in fittable or info is None:
        raise CalibrationError(
            f"calibration parameter {name!r} is unknown in fleet {fleet.name!r}; allowed: "
            f"{', '.join([*fittable, *ALIASES])}"
        )
    shape = tuple(info["shape"])
    if len(shape) > 1:
        raise CalibrationError(
            f"calibration parameter {name!r} has shape {shape}; allowed: 0-D/1-D"
        )
    columns = None
    if shape:
        if selector is None:
            names = _element_names(fleet, name)
            raise CalibrationError(
                f"calibration parameter {name!r} has {shape[0]} elements per satellite; "
                f"choose them as {name}[ELEMENT] with ELEMENT one of "
                f"{', '.join(names) if names else f'0 to {shape[0] - 1}'} (join with +)"
            )
        columns = _resolve_columns(
            "calibration parameter", spec, selector, _element_names(fleet, name), shape[0]
        )
    elif selector is not None:
        raise CalibrationError(
            f"calibration parameter {spec!r}: {name!r} is one value per satellite; "
            "allowed: no [ELEMENT] selector"
        )
    return Parameter(spec, name, columns, info["unit"], 0.0, _UPPER.get(name, math.inf))


def _read_param(fleet: Fleet, p: Parameter, row: int) -> float:
    view = fleet.param(p.channel)
    if p.columns is None:
        return float(view[row])
    return float(np.mean(view[row, list(p.columns)]))


def _write_params(fleet: Fleet, params: Sequence[Parameter], values: np.ndarray, n: int) -> None:
    """values (K, n_params): copy k (satellites k*n .. k*n+n-1) gets values[k]."""
    for j, p in enumerate(params):
        view = fleet.param(p.channel)
        per_sat = np.repeat(values[:, j], n)
        if p.columns is None:
            view[:] = per_sat
        else:
            for c in p.columns:
                view[:, c] = per_sat


# ---- channels ----------------------------------------------------------------------


@dataclass(frozen=True)
class Channel:
    """A fitted telemetry channel: state channel ``channel``, inner ``columns`` (None: all)."""

    name: str
    channel: str
    columns: tuple[int, ...] | None
    unit: str


def parse_channel(spec: str, fleet: Fleet) -> Channel:
    """Resolves a channel spec: a float state channel (``thermal.temperature``,
    ``power.battery_soc``), optionally some of its columns
    (``thermal.temperature[payload+radiator]``, node names or indices)."""
    m = _SPEC.match(spec) if isinstance(spec, str) else None
    channels = fleet.channels
    states = sorted(
        n
        for n, c in channels.items()
        if not c["parameter"] and np.dtype(c["dtype"]).kind == "f" and len(c["shape"]) <= 1
    )
    if m is None or m.group(1) not in states:
        name = m.group(1) if m else spec
        raise CalibrationError(
            f"calibration channel {name!r} is unknown in fleet {fleet.name!r}; allowed: "
            f"{', '.join(states)}"
        )
    name, selector = m.group(1), m.group(2)
    info = channels[name]
    shape = tuple(info["shape"])
    columns = None
    if selector is not None:
        if not shape:
            raise CalibrationError(
                f"calibration channel {spec!r}: {name!r} is one value per satellite; "
                "allowed: no [ELEMENT] selector"
            )
        names = fleet.design.node_names if name.startswith("thermal.") and fleet.design else None
        columns = _resolve_columns("calibration channel", spec, selector, names, shape[0])
    return Channel(spec, name, columns, info["unit"])


# ---- telemetry ---------------------------------------------------------------------

_UNIT_OFFSETS = {("degC", "K"): 273.15, ("C", "K"): 273.15, ("celsius", "K"): 273.15}


def telemetry_satellite_names(ds: Any) -> list[str]:
    """Satellite names of a telemetry Dataset (``satellite_name`` or a string
    ``satellite`` coordinate)."""
    if "satellite_name" in ds.variables:
        return [str(x) for x in np.asarray(ds["satellite_name"].values).ravel()]
    if "satellite" in ds.coords and np.asarray(ds["satellite"].values).dtype.kind in "OUS":
        return [str(x) for x in np.asarray(ds["satellite"].values)]
    raise CalibrationError(
        "telemetry has no satellite names; allowed: a 'satellite_name' variable or a "
        "string 'satellite' coordinate"
    )


def telemetry_times_ns(ds: Any, epoch_iso: str) -> np.ndarray:
    """Telemetry times as int64 ns since the scenario epoch ``epoch_iso``."""
    ep = parse_epoch(epoch_iso)
    if "time" not in ds.coords and "time" not in ds.variables:
        raise CalibrationError("telemetry has no 'time' coordinate; allowed: a run-like Dataset")
    t = np.asarray(ds["time"].values)
    if t.dtype.kind == "M":
        e64 = np.datetime64(ep.datetime.replace(tzinfo=None), "ns")
        return (t.astype("datetime64[ns]") - e64).astype(np.int64)
    if "time_ns" in ds.variables and str(ds.attrs.get("epoch", "")) != "":
        offset = _epoch_offset_ns(str(ds.attrs["epoch"]), epoch_iso)
        return np.asarray(ds["time_ns"].values, dtype=np.int64) + offset
    if t.dtype.kind in "fiu":
        units = str(ds["time"].attrs.get("units", ""))
        m = re.match(r"seconds since (.+)", units)
        offset = _epoch_offset_ns(m.group(1).strip(), epoch_iso) if m else 0
        return np.round(t.astype(np.float64) * NS_PER_S).astype(np.int64) + offset
    raise CalibrationError(f"telemetry time has dtype {t.dtype}; allowed: datetime64 or seconds")


def _epoch_offset_ns(other_iso: str, epoch_iso: str) -> int:
    a = parse_epoch(other_iso.replace(" ", "T") if "T" not in other_iso else other_iso)
    b = parse_epoch(epoch_iso)
    return int(round((a.datetime - b.datetime).total_seconds() * 1e6)) * 1000


def _observed(ds: Any, ch: Channel, sat_rows: np.ndarray) -> np.ndarray:
    var = ch.channel.replace(".", "__")
    if var not in ds.variables:
        have = sorted(
            str(v).replace("__", ".")
            for v in ds.data_vars
            if "__" in str(v) and "time" in ds[v].dims
        )
        raise CalibrationError(
            f"calibration channel {ch.channel!r} is not in the telemetry (variable {var!r}); "
            f"the telemetry has: {', '.join(have) or 'no run-like channels'}"
        )
    da = ds[var]
    units = str(da.attrs.get("units", ch.unit))
    data = np.asarray(da.values, dtype=np.float64)
    if units != ch.unit:
        key = (units, ch.unit)
        if key not in _UNIT_OFFSETS:
            raise CalibrationError(
                f"telemetry variable {var!r} has units {units!r}; allowed: {ch.unit!r} "
                "(the twin's unit) or degC for kelvin channels"
            )
        data = data + _UNIT_OFFSETS[key]
    dims = da.dims
    if dims[:2] != ("time", "satellite"):
        raise CalibrationError(
            f"telemetry variable {var!r} has dimensions {dims}; allowed: (time, satellite, ...)"
        )
    data = data[:, sat_rows]
    if ch.columns is not None:
        data = data[:, :, list(ch.columns)]
    return data


# ---- the model: K copies in one run ------------------------------------------------


def select_orbits(orbits: ElementSet | TleSet, idx: np.ndarray) -> ElementSet | TleSet:
    """The satellites ``idx`` (repetitions allowed) of an element or TLE set."""
    if isinstance(orbits, TleSet):
        return orbits.select(idx)
    return ElementSet(
        names=tuple(orbits.names[i] for i in idx),
        semi_major_axis_m=orbits.semi_major_axis_m[idx],
        eccentricity=orbits.eccentricity[idx],
        inclination_rad=orbits.inclination_rad[idx],
        raan_rad=orbits.raan_rad[idx],
        arg_perigee_rad=orbits.arg_perigee_rad[idx],
        mean_anomaly_rad=orbits.mean_anomaly_rad[idx],
        plane=orbits.plane[idx],
    )


def scenario_factory(scenario: Scenario) -> TwinFactory:
    """A :data:`TwinFactory` for a scenario: the fleet holding the named satellites
    (all in one fleet), replicated, with the scenario's epoch, step and ground stations."""

    def build(names: Sequence[str], copies: int) -> tuple[Twin, Fleet]:
        spec, idx = locate_satellites(scenario, names)
        twin = Twin(scenario.epoch, step=scenario.step)
        rep = np.tile(idx, copies)
        fleet = twin.add_fleet(spec.name, select_orbits(spec.orbits, rep), design=spec.design)
        if scenario.ground_stations:
            twin.set_ground_stations(scenario.ground_stations)
        return twin, fleet

    build.epoch = scenario.epoch  # type: ignore[attr-defined]
    return build


def locate_satellites(scenario: Scenario, names: Sequence[str]):
    """(fleet spec, indices) of satellites ``names`` in ``scenario``; they must all
    belong to one fleet with a design."""
    where: dict[str, tuple[int, int]] = {}
    for fi, spec in enumerate(scenario.fleets):
        for si, n in enumerate(spec.orbits.names):
            where.setdefault(n, (fi, si))
    fleets = set()
    idx = []
    for n in names:
        if n not in where:
            sample = [x for spec in scenario.fleets for x in spec.orbits.names[:5]]
            raise CalibrationError(
                f"telemetry satellite {n!r} is not in scenario {scenario.name!r}; allowed: "
                f"its satellite names (e.g. {', '.join(sample)})"
            )
        fi, si = where[n]
        fleets.add(fi)
        idx.append(si)
    if len(fleets) != 1:
        raise CalibrationError(
            f"satellites {list(names)} belong to fleets "
            f"{sorted(scenario.fleets[f].name for f in fleets)}; allowed: satellites of one fleet"
        )
    spec = scenario.fleets[fleets.pop()]
    if spec.design is None:
        raise CalibrationError(
            f"fleet {spec.name!r} has no design; allowed: a fleet with a SatelliteDesign"
        )
    return spec, np.array(idx, dtype=np.intp)


class _Model:
    """Evaluates the twin for K parameter vectors at once (K copies in one run)."""

    def __init__(
        self,
        factory: TwinFactory,
        names: Sequence[str],
        params: Sequence[Parameter],
        channels: Sequence[Channel],
        t_ns: np.ndarray,
    ) -> None:
        self.factory, self.names, self.params, self.channels = (
            factory,
            list(names),
            params,
            channels,
        )
        self.t_ns = t_ns
        self.runs = 0
        self.copies_run = 0
        self.seconds = 0.0

    def __call__(self, values: np.ndarray) -> list[np.ndarray]:
        """values (K, n_params) -> per channel predictions (K, T, n_sat, [cols])."""
        t0 = time.perf_counter()
        k = values.shape[0]
        n = len(self.names)
        twin, fleet = self.factory(self.names, k)
        _write_params(fleet, self.params, values, n)
        names = list(dict.fromkeys(c.channel for c in self.channels))
        times: list[np.ndarray] = []
        frames: dict[str, list[np.ndarray]] = {c: [] for c in names}

        def sink(t: np.ndarray, buffers: Mapping[tuple[int, str], np.ndarray]) -> None:
            times.append(t.copy())
            for c in names:
                frames[c].append(buffers[(fleet.index, c)].copy())

        twin.start()
        times.append(np.array([twin.time_ns], dtype=np.int64))
        for c in names:
            frames[c].append(np.asarray(fleet.state(c), dtype=np.float64)[None].copy())
        step = twin.step_ns
        end = int(-(-int(self.t_ns.max()) // step) * step)
        # Record at the telemetry's cadence when its instants lie on a grid of whole
        # steps, else every step (the model is then interpolated linearly in time).
        grid = int(np.gcd.reduce(self.t_ns[self.t_ns > 0])) if (self.t_ns > 0).any() else step
        every = grid if grid % step == 0 else step
        twin.record(every=every / NS_PER_S, channels=names, sink=sink, capacity=4096)
        if end > twin.time_ns:
            twin.advance(end)
        twin.flush()
        tt = np.concatenate(times)
        # Linear interpolation in time to the telemetry instants (exact on the step grid).
        j = np.clip(np.searchsorted(tt, self.t_ns, side="right") - 1, 0, tt.size - 2)
        w = ((self.t_ns - tt[j]) / np.maximum(tt[j + 1] - tt[j], 1)).astype(np.float64)
        out = []
        for ch in self.channels:
            arr = np.concatenate(frames[ch.channel]).astype(np.float64)  # (T_rec, k*n, ...)
            if ch.columns is not None:
                arr = arr[..., list(ch.columns)]
            wb = w.reshape((-1,) + (1,) * (arr.ndim - 1))
            at = arr[j] * (1.0 - wb) + arr[j + 1] * wb  # (T, k*n, ...)
            at = at.reshape(at.shape[0], k, n, *at.shape[2:])
            out.append(np.moveaxis(at, 1, 0))
        self.runs += 1
        self.copies_run += k
        self.seconds += time.perf_counter() - t0
        return out


# ---- the result ----------------------------------------------------------------------


@dataclass(frozen=True)
class FittedParameter:
    """A fitted value with its 1-sigma uncertainty, in the core's unit."""

    name: str
    unit: str
    initial: float
    value: float
    sigma: float


@dataclass
class CalibrationResult:
    """What :func:`calibrate` found.

    ``covariance`` (n, n) in the parameters' units: s^2 (J^T J)^-1 at the solution,
    J the Jacobian of the weighted residuals, s^2 = chi^2 / (m - n);
    ``correlation`` the normalised covariance; ``residual_rms`` per channel [its
    unit]; ``channel_sigma`` the weights used (1 / sigma per channel).
    """

    parameters: list[FittedParameter]
    covariance: np.ndarray
    correlation: np.ndarray
    residual_rms: dict[str, float]
    channel_sigma: dict[str, float]
    channel_units: dict[str, str]
    satellites: list[str]
    n_residuals: int
    reduced_chi2: float
    success: bool
    message: str
    model_runs: int
    model_copies: int
    wall_s: float
    extra: dict[str, Any] = field(default_factory=dict)

    def value(self, name: str) -> FittedParameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(f"no fitted parameter {name!r}; fitted: {[p.name for p in self.parameters]}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "satellites": self.satellites,
            "parameters": [
                {
                    "name": p.name,
                    "unit": p.unit,
                    "initial": p.initial,
                    "value": p.value,
                    "sigma": p.sigma,
                }
                for p in self.parameters
            ],
            "correlation": [[_finite(x) for x in row] for row in self.correlation],
            "covariance": [[_finite(x) for x in row] for row in self.covariance],
            "residual_rms": {
                k: {"value": v, "unit": self.channel_units[k]} for k, v in self.residual_rms.items()
            },
            "channel_sigma": self.channel_sigma,
            "n_residuals": self.n_residuals,
            "reduced_chi2": self.reduced_chi2,
            "success": self.success,
            "message": self.message,
            "model_runs": self.model_runs,
            "model_copies": self.model_copies,
            "wall_s": self.wall_s,
        }

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Writes the result as JSON (``.json``) or TOML (``.toml``)."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        if p.suffix == ".toml":
            p.write_text(_toml(self.to_dict()), encoding="utf-8")
        elif p.suffix == ".json":
            p.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        else:
            raise CalibrationError(f"--out is {str(p)!r}; allowed: a .json or .toml file")
        return p

    def print(self, file: Any = None) -> None:
        """Rich tables: parameter, initial, fitted, 1 sigma, unit; residual RMS per channel;
        the correlation matrix."""
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        console = Console(file=file)
        if not console.is_terminal:  # files and pipes: full names and values
            console = Console(file=file, width=160)
        t = Table(title=escape(f"orbitwin calibrate: {', '.join(self.satellites)}"))
        for col in ("parameter", "initial", "fitted", "1σ", "unit", "change"):
            t.add_column(
                col,
                justify="left" if col in ("parameter", "unit") else "right",
                no_wrap=col == "parameter",
            )
        for p in self.parameters:
            change = (p.value / p.initial - 1.0) * 100 if p.initial else math.nan
            t.add_row(
                escape(p.name),
                f"{p.initial:.6g}",
                f"{p.value:.6g}",
                f"{p.sigma:.2g}",
                p.unit,
                f"{change:+.2f} %",
            )
        console.print(t)
        r = Table(title="residuals")
        for col in ("channel", "RMS", "unit", "weight σ"):
            r.add_column(col, justify="left" if col in ("channel", "unit") else "right")
        for k, v in self.residual_rms.items():
            r.add_row(escape(k), f"{v:.4g}", self.channel_units[k], f"{self.channel_sigma[k]:.4g}")
        console.print(r)
        if len(self.parameters) > 1:
            c = Table(title="correlation")
            c.add_column("", no_wrap=True)
            for i in range(len(self.parameters)):
                c.add_column(str(i + 1), justify="right")
            for i, p in enumerate(self.parameters):
                c.add_row(escape(f"{i + 1} {p.name}"), *(f"{x:+.2f}" for x in self.correlation[i]))
            console.print(c)
        console.print(
            f"{self.n_residuals:,} residuals, reduced chi² {self.reduced_chi2:.3g}, "
            f"{self.model_runs} twin runs ({self.model_copies} satellite copies), "
            f"{self.wall_s:.2f} s; {escape(self.message)}"
        )


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _toml(d: Mapping[str, Any]) -> str:
    def val(v: Any) -> str:
        if v is None:
            return '"nan"'
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return repr(float(v)) if isinstance(v, float) else str(v)
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(val(x) for x in v) + "]"
        raise TypeError(type(v))

    lines = []
    for k, v in d.items():
        if (
            not isinstance(v, dict | list)
            or (isinstance(v, list) and not v)
            or k
            in (
                "correlation",
                "covariance",
                "satellites",
            )
        ):
            lines.append(f"{k} = {val(v)}")
    for k in ("residual_rms", "channel_sigma"):
        lines.append(f"\n[{k}]")
        for ch, v in d[k].items():
            lines.append(f"{json.dumps(ch)} = {val(v['value'] if isinstance(v, dict) else v)}")
    for p in d["parameters"]:
        lines.append("\n[[parameters]]")
        lines += [f"{key} = {val(x)}" for key, x in p.items()]
    return "\n".join(lines) + "\n"


# ---- the fit -------------------------------------------------------------------------


def _scipy_least_squares():
    try:
        from scipy.optimize import least_squares
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "orbitwin calibrate needs scipy (scipy.optimize.least_squares); install the "
            "optional extra: pip install 'orbitwin[fit]'"
        ) from None
    return least_squares


def calibrate(
    model: Scenario | str | os.PathLike[str] | TwinFactory,
    telemetry: Any,
    parameters: Sequence[str],
    channels: Sequence[str],
    *,
    satellites: Sequence[str] | None = None,
    sigma: Mapping[str, float] | None = None,
    epoch: str | None = None,
    diff_step: float = 1e-3,
    max_nfev: int = 50,
) -> CalibrationResult:
    """Fits ``parameters`` so that the twin reproduces ``channels`` of ``telemetry``.

    ``model``: a :class:`~orbitwin.scenario.Scenario`, the path of a scenario
    script, or a :data:`TwinFactory` (then ``epoch``, the ISO epoch of its twin,
    is required). ``telemetry``: an ``xarray.Dataset`` shaped like a run.
    ``satellites``: the telemetry satellites to fit (default: all of them),
    matched by name to the scenario's; the fitted values are shared by them.
    ``sigma``: per-channel noise [channel unit] weighting the residuals; by default
    the fit runs twice, the second time weighting each channel by its residual RMS
    from the first. ``diff_step``: relative finite-difference step of the Jacobian.

    Raises :class:`CalibrationError` for an unknown parameter or channel, a channel
    absent from the telemetry, no overlapping time or a satellite not found.
    """
    least_squares = _scipy_least_squares()
    wall0 = time.perf_counter()
    if isinstance(model, str | os.PathLike):
        model = load_scenario(model)
    if isinstance(model, Scenario):
        factory = scenario_factory(model)
        epoch = model.epoch
    else:
        factory = model
        if epoch is None:
            epoch = getattr(model, "epoch", None)
        if epoch is None:
            raise CalibrationError("epoch is None; allowed: the ISO epoch of the factory's twin")
    if not parameters:
        raise CalibrationError("parameters is empty; allowed: one or more parameter names")
    if not channels:
        raise CalibrationError("channels is empty; allowed: one or more telemetry channels")

    tel_names = telemetry_satellite_names(telemetry)
    if satellites is None:
        satellites = list(dict.fromkeys(tel_names))
    satellites = list(satellites)
    rows = []
    for s in satellites:
        if s not in tel_names:
            raise CalibrationError(
                f"satellite {s!r} is not in the telemetry; allowed: {', '.join(tel_names[:20])}"
                + (" ..." if len(tel_names) > 20 else "")
            )
        rows.append(tel_names.index(s))
    rows_arr = np.array(rows, dtype=np.intp)

    # A probe twin (one copy) resolves names, units and nominal values.
    _, probe = factory(satellites, 1)
    params = [parse_parameter(p, probe) for p in parameters]
    dup = {p.name for p in params if [q.name for q in params].count(p.name) > 1}
    if dup:
        raise CalibrationError(f"parameters {sorted(dup)} are given twice; allowed: each once")
    chans = [parse_channel(c, probe) for c in channels]
    x0 = np.array([_read_param(probe, p, 0) for p in params])
    if np.any(x0 <= 0):
        bad = params[int(np.flatnonzero(x0 <= 0)[0])]
        raise CalibrationError(
            f"calibration parameter {bad.name!r} is {x0[x0 <= 0][0]!r} in the design; "
            "allowed: a positive nominal value (the fit is relative to it)"
        )

    t_all = telemetry_times_ns(telemetry, epoch)
    keep = t_all >= 0
    if not keep.any():
        raise CalibrationError(
            f"telemetry and model have no overlapping time: the telemetry ends "
            f"{-int(t_all.max()) / NS_PER_S:.0f} s before the epoch {epoch}; allowed: "
            "telemetry at or after the scenario epoch"
        )
    obs = [_observed(telemetry, c, rows_arr)[keep] for c in chans]
    t_ns = t_all[keep]
    masks = [np.isfinite(o) for o in obs]
    for c, m in zip(chans, masks, strict=True):
        if not m.any():
            raise CalibrationError(
                f"calibration channel {c.name!r} has no finite telemetry in the overlapping time"
            )
    run = _Model(factory, satellites, params, chans, t_ns)

    lower = np.array([p.lower for p in params]) / x0
    upper = np.array([p.upper for p in params]) / x0
    x_start = np.clip(np.ones(len(params)), lower + 1e-9, upper - 1e-9)

    def flatten(preds: list[np.ndarray], k: int) -> np.ndarray:
        return np.concatenate(
            [(p[k] - o)[m] / w for p, o, m, w in zip(preds, obs, masks, weights, strict=True)]
        )

    cache: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}

    def evaluate(xr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        key = xr.tobytes()
        if key in cache:
            return cache[key]
        n = xr.size
        h = diff_step * np.maximum(np.abs(xr), 1e-3)
        h = np.where(xr + h > upper, -h, h)  # step back at an upper bound
        pts = np.repeat(xr[None, :], n + 1, axis=0)
        pts[1:] += np.diag(h)
        preds = run(pts * x0[None, :])
        r0 = flatten(preds, 0)
        jac = np.stack([(flatten(preds, i + 1) - r0) / h[i] for i in range(n)], axis=1)
        cache.clear()
        cache[key] = (r0, jac)
        return r0, jac

    if sigma:
        unknown = [k for k in sigma if k not in [c.name for c in chans]]
        if unknown:
            raise CalibrationError(
                f"sigma names channel {unknown[0]!r}; allowed: {', '.join(c.name for c in chans)}"
            )
    passes = 1 if sigma and all(c.name in sigma for c in chans) else 2
    weights = []
    for c, o, m in zip(chans, obs, masks, strict=True):
        if sigma and c.name in sigma:
            weights.append(float(sigma[c.name]))
        else:
            s = float(np.std(o[m]))
            weights.append(s if s > 0 else 1.0)
    res = None
    for pass_no in range(passes):
        res = least_squares(
            lambda x: evaluate(x)[0],
            x_start,
            jac=lambda x: evaluate(x)[1],
            bounds=(lower, upper),
            method="trf",
            x_scale=1.0,
            max_nfev=max_nfev,
        )
        x_start = res.x
        if pass_no + 1 < passes:
            preds = run(res.x[None, :] * x0[None, :])
            for i, (c, p, o, m) in enumerate(zip(chans, preds, obs, masks, strict=True)):
                if not (sigma and c.name in sigma):
                    rms = float(np.sqrt(np.mean((p[0] - o)[m] ** 2)))
                    weights[i] = max(rms, 1e-12 * max(float(np.abs(o[m]).max()), 1.0))
            cache.clear()
    assert res is not None
    r, jac = evaluate(res.x)
    m_res, n_par = r.size, res.x.size
    dof = max(m_res - n_par, 1)
    s2 = float(r @ r) / dof
    jtj = jac.T @ jac
    try:
        cov_rel = s2 * np.linalg.inv(jtj)
        if not np.all(np.isfinite(cov_rel)) or np.linalg.cond(jtj) > 1e14:
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        cov_rel = np.full((n_par, n_par), np.nan)
    cov = cov_rel * np.outer(x0, x0)
    sd = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(sd, sd)
    preds = run(res.x[None, :] * x0[None, :])
    rms = {
        c.name: float(np.sqrt(np.mean((p[0] - o)[m] ** 2)))
        for c, p, o, m in zip(chans, preds, obs, masks, strict=True)
    }
    fitted = [
        FittedParameter(p.name, p.unit, float(x0[i]), float(res.x[i] * x0[i]), float(sd[i]))
        for i, p in enumerate(params)
    ]
    return CalibrationResult(
        parameters=fitted,
        covariance=cov,
        correlation=corr,
        residual_rms=rms,
        channel_sigma={c.name: w for c, w in zip(chans, weights, strict=True)},
        channel_units={c.name: c.unit for c in chans},
        satellites=satellites,
        n_residuals=m_res,
        reduced_chi2=s2,
        success=bool(res.success),
        message=str(res.message),
        model_runs=run.runs,
        model_copies=run.copies_run,
        wall_s=time.perf_counter() - wall0,
        extra={"model_s": run.seconds, "nfev": int(res.nfev), "passes": passes},
    )


# ---- command line ----------------------------------------------------------------------


def _parse_sigma(items: Sequence[str] | None) -> dict[str, float]:
    out = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        try:
            v = float(value)
        except ValueError:
            v = math.nan
        if not sep or not math.isfinite(v) or v <= 0:
            raise CalibrationError(
                f"--sigma is {item!r}; allowed: CHANNEL=VALUE with a positive VALUE in the "
                "channel's unit (e.g. thermal.temperature=0.5)"
            )
        out[name.strip()] = v
    return out


def _command(args: argparse.Namespace) -> int:
    try:
        _scipy_least_squares()
    except ImportError as exc:
        raise CalibrationError(str(exc)) from None
    scenario = load_scenario(args.scenario)
    if args.step:
        duration_ns(args.step, "step")
        scenario.step = args.step
    ds = read_telemetry(args.telemetry, epoch=scenario.epoch)
    result = calibrate(
        scenario,
        ds,
        parameters=args.param,
        channels=args.channel,
        satellites=args.satellite,
        sigma=_parse_sigma(args.sigma),
        diff_step=args.diff_step,
    )
    result.print()
    ignored = []
    if scenario.processes:
        ignored.append(f"{len(scenario.processes)} SimPy process(es) (faults, operations)")
    if any(spec.radiation is not None for spec in scenario.fleets):
        ignored.append("the radiation model")
    if ignored:
        print(
            f"note: the model flew the scenario's design from its initial state without "
            f"{' and '.join(ignored)}; telemetry shaped by them biases the fit",
            file=sys.stderr,
        )
    if args.out:
        path = result.write(args.out)
        print(f"wrote {path}", file=sys.stderr)
    return 0


def add_parser(subparsers: Any) -> None:
    """Registers ``orbitwin calibrate``."""
    p = subparsers.add_parser(
        "calibrate",
        help="fit design parameters to telemetry by least squares",
        description=(
            "Fit design parameters (emissivities, absorptivities, conductances, battery "
            "capacity, array efficiency, ...) of a scenario's satellite(s) to telemetry by "
            "least squares (scipy), reporting fitted values with 1-sigma uncertainties from "
            "the Jacobian, the correlation matrix and the residual RMS per channel. "
            "TELEMETRY is read with orbitwin.telemetry.read_telemetry (CSV, HDF5 or an "
            "orbitwin run file). The model flies the design from the scenario's initial "
            "state; the scenario's SimPy processes (faults, operations) and radiation are "
            "not run, and a note says so."
        ),
    )
    p.add_argument("scenario", help="scenario script the telemetry's satellites fly in")
    p.add_argument("telemetry", help="telemetry file (or an orbitwin run .h5)")
    p.add_argument(
        "--param",
        action="append",
        required=True,
        metavar="NAME",
        help="parameter to fit (repeatable): e.g. radiator.emissivity, power.battery_capacity, "
        "power.array_efficiency, thermal.face_absorptivity[array_front], "
        "thermal.conductance[payload-radiator], radiator.absorptivity",
    )
    p.add_argument(
        "--channel",
        action="append",
        required=True,
        metavar="NAME",
        help="telemetry channel to fit (repeatable): e.g. thermal.temperature, "
        "thermal.temperature[payload], power.battery_soc",
    )
    p.add_argument(
        "--satellite",
        action="append",
        metavar="NAME",
        help="telemetry satellite to fit, matched by name (repeatable; default: all)",
    )
    p.add_argument(
        "--sigma",
        action="append",
        metavar="CHANNEL=VALUE",
        help="measurement noise of a channel in its unit (default: from the residuals)",
    )
    p.add_argument("--step", help="model step, overriding the scenario's (e.g. 10s)")
    p.add_argument(
        "--diff-step",
        type=float,
        default=1e-3,
        help="relative finite-difference step of the Jacobian (default 1e-3)",
    )
    p.add_argument("--out", help="write the result as JSON (.json) or TOML (.toml)")
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    p.set_defaults(handler=_command)
