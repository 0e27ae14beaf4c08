"""Run metrics, read from a run's HDF5 file, so that any recorded channel is a metric.

Three sources, all flat ``name -> float`` and all with a dot in the name (so
they never clash with parameter names in a sweep's summary table):

- **Channel statistics:** for every floating-point channel recorded per
  satellite and time (``time`` x ``satellite``), ``<channel>.min``,
  ``<channel>.mean`` and ``<channel>.max`` over every time and satellite,
  ignoring NaN (a decayed satellite). A channel that a new model adds (say
  ``thermal.t_radiator``) becomes a metric with no code change.
- **Named metrics:** functions in :data:`METRICS`, registered with
  :func:`register_metric`, each naming the file variables it needs; one whose
  variables are not in the file is left out.
- **Run statistics** (:func:`run_metrics`): the scalars of a
  :class:`~orbitwin.run.RunResult` and of its ``stats`` (``stats.<field>``),
  found by introspection so new summary fields join without code changes.

The file is read in slabs along time, so a long run of a large fleet never
has to fit in memory.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import h5py
import numpy as np

#: Frames read at a time.
SLAB_FRAMES = 256


@dataclass(frozen=True)
class Metric:
    """A named metric: ``fn(file)`` returns a number; ``needs`` are the file
    variables it reads (it is skipped when one is missing)."""

    name: str
    fn: Callable[[h5py.File], float]
    needs: tuple[str, ...]
    description: str = ""


#: Named metrics computed from every run file.
METRICS: dict[str, Metric] = {}


def register_metric(
    name: str, needs: tuple[str, ...] = (), description: str = ""
) -> Callable[[Callable[[h5py.File], float]], Callable[[h5py.File], float]]:
    """Decorator registering ``fn(file) -> float`` as the metric ``name``
    (which must contain a dot, e.g. ``power.energy_deficit_wh``)."""
    if "." not in name:
        raise ValueError(f"metric name {name!r}; allowed: a name with a dot, e.g. 'power.x'")

    def deco(fn: Callable[[h5py.File], float]) -> Callable[[h5py.File], float]:
        METRICS[name] = Metric(name, fn, tuple(needs), description or (fn.__doc__ or "").strip())
        return fn

    return deco


def _slabs(ds: h5py.Dataset) -> Iterator[np.ndarray]:
    for t0 in range(0, ds.shape[0], SLAB_FRAMES):
        yield ds[t0 : t0 + SLAB_FRAMES]


def _is_time_satellite(ds: h5py.Dataset) -> bool:
    if ds.ndim != 2:
        return False
    labels = [d.label or (d[0].name.rsplit("/", 1)[-1] if len(d) else "") for d in ds.dims]
    return labels == ["time", "satellite"]


def channel_statistics(f: h5py.File) -> dict[str, float]:
    """``<channel>.min/.mean/.max`` of every floating-point (time, satellite) channel."""
    out: dict[str, float] = {}
    for var, ds in f.items():
        if not isinstance(ds, h5py.Dataset) or ds.dtype.kind != "f":
            continue
        if not _is_time_satellite(ds):
            continue
        channel = ds.attrs.get("orbitwin_channel", var)
        if isinstance(channel, bytes):
            channel = channel.decode()
        lo, hi, total, count = math.inf, -math.inf, 0.0, 0
        for slab in _slabs(ds):
            finite = slab[np.isfinite(slab)]
            if finite.size:
                lo = min(lo, float(finite.min()))
                hi = max(hi, float(finite.max()))
                total += float(finite.sum(dtype=np.float64))
                count += finite.size
        nan = float("nan")
        out[f"{channel}.min"] = lo if count else nan
        out[f"{channel}.mean"] = total / count if count else nan
        out[f"{channel}.max"] = hi if count else nan
    return out


def file_metrics(path: str | os.PathLike[str]) -> dict[str, float]:
    """Every channel statistic and every applicable named metric of a run file."""
    with h5py.File(path, "r") as f:
        out = channel_statistics(f)
        for metric in METRICS.values():
            if all(n in f for n in metric.needs):
                out[metric.name] = float(metric.fn(f))
    return out


def run_metrics(result: Any) -> dict[str, float]:
    """Scalars of a :class:`~orbitwin.run.RunResult` (``run.<name>``) and of its
    ``stats`` (``stats.<name>``, public numeric attributes and properties)."""
    out: dict[str, float] = {}
    for key in ("n_satellites", "simulated_s", "wall_s", "satellite_steps", "core_rate"):
        value = getattr(result, key, None)
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[f"run.{key}"] = float(value)
    for key, value in getattr(result, "timing", {}).items():
        out[f"run.{key}_s"] = float(value)
    out["run.events"] = float(len(getattr(result, "events", ())))
    stats = getattr(result, "stats", None)
    if stats is not None:
        for key in dir(stats):
            if key.startswith("_"):
                continue
            try:
                value = getattr(stats, key)
            except Exception:  # noqa: BLE001 - a property that cannot be computed
                continue
            if isinstance(value, np.generic):
                value = value.item()
            if isinstance(value, int | float) and not isinstance(value, bool):
                out[f"stats.{key}"] = float(value)
    return out


# ---- built-in named metrics --------------------------------------------------------


@register_metric("fleet.eclipse_fraction", needs=("sun__illumination",))
def _eclipse_fraction(f: h5py.File) -> float:
    """Mean over satellites and time of 1 - illumination (time in shadow)."""
    total, count = 0.0, 0
    for slab in _slabs(f["sun__illumination"]):
        finite = slab[np.isfinite(slab)]
        total += float(np.sum(1.0 - finite))
        count += finite.size
    return total / count if count else float("nan")


@register_metric("fleet.invalid_satellites", needs=("status__flags",))
def _invalid_satellites(f: h5py.File) -> float:
    """Satellites that were ever without a valid orbit (status bit 1)."""
    ds = f["status__flags"]
    ever = np.zeros(ds.shape[1], dtype=bool)
    for slab in _slabs(ds):
        ever |= (slab & 1).any(axis=0).astype(bool)
    return float(ever.sum())


@register_metric("fleet.events", needs=("events/event",))
def _events(f: h5py.File) -> float:
    """Rows of the events group (faults, watches, operations; one per satellite)."""
    return float(f["events/event"].shape[0])
