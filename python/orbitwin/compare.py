"""Comparing a run with a reference run or telemetry: ``orbitwin compare``.

:func:`compare` lines a run up with a reference (another run, or telemetry read by
:func:`orbitwin.telemetry.read_telemetry`) and computes, per channel and satellite:

- the **maximum absolute error** ``max |run - ref|`` and the **RMSE**
  ``sqrt(mean((run - ref)^2))`` over the compared samples (and the inner dimension,
  e.g. the thermal nodes), in the channel's units;
- the **range-normalised RMSE**: RMSE / (max(ref) - min(ref)) over the same samples
  (NaN for a constant reference);
- the **fraction of samples outside the tolerance band**: a sample at time ``t``
  passes when the reference at some time in ``[t - lag, t + lag]`` lies within
  ``abs + rel * |ref|`` of the run's value. The reference is taken as piecewise
  linear between its samples, so the values it takes over the window form the
  interval ``[lo, hi]`` spanned by its two end values and the samples in between;
  the sample passes when its distance to that interval is at most
  ``abs + rel * |clip(run, lo, hi)|`` (exact for ``rel < 1``). The window minimum and
  maximum are computed for every sample at once with a doubling (sparse-table)
  range reduction: O(n log w) array operations, no loop over samples.

Event times are compared too: eclipse entries and exits (``sun.illumination``
crossing 0.5 downward / upward, the crossing time interpolated linearly), matched to
the nearest crossing of the same satellite; and events from the events group
(faults, watches, operations) matched by kind and satellite in time order.

Alignment: satellites are matched by name (or by index when telemetry names them by
index); the comparison covers the times where run and reference overlap; when the
reference has other sample times it is interpolated linearly onto the run's times
(telemetry across gaps of missing samples too), and the result says so in
:attr:`Comparison.notes`.

A channel passes when its fraction of samples outside the band is at most the
tolerance's ``max_outside``; event kinds pass when every event has a partner within
the allowed time difference. Everything is numpy over whole arrays; the only Python
loops are over channels, event kinds and range-reduction levels.
"""

from __future__ import annotations

import argparse
import base64
import io
import math
import os
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .telemetry import TelemetryError, convert_units, is_telemetry_file, read_telemetry
from .tolerances import ChannelTolerance, Tolerances, as_tolerances

#: Variables that are not telemetry channels.
_NOT_CHANNELS = frozenset({"time", "time_ns", "satellite", "satellite_name", "fleet", "plane"})


class CompareError(ValueError):
    """Run and reference that cannot be compared (no shared satellites, times or channels,
    incompatible units): the message says which and why."""


# --------------------------------------------------------------------------------------
# Results


@dataclass
class ChannelResult:
    """Metrics of one channel. Per-satellite arrays are over the compared satellites
    (``satellites`` of the :class:`Comparison`); errors are in ``units``."""

    variable: str
    units: str
    tolerance: ChannelTolerance
    n_samples: int  #: compared (time, satellite, element) samples
    max_abs_error: float
    rmse: float
    nrmse: float  #: largest per-satellite range-normalised RMSE
    outside_fraction: float  #: pooled over satellites
    sat_max_abs_error: np.ndarray
    sat_rmse: np.ndarray
    sat_nrmse: np.ndarray
    sat_outside_fraction: np.ndarray
    sat_samples: np.ndarray
    worst: list[int]  #: indices into the compared satellites, worst first
    plot: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def channel(self) -> str:
        return self.variable.replace("__", ".")

    @property
    def passed(self) -> bool:
        return self.n_samples == 0 or self.outside_fraction <= self.tolerance.max_outside


@dataclass
class EventResult:
    """Event time differences of one kind (``eclipse_entry``, ``eclipse_exit`` or an
    events-group kind); ``dt = t_run - t_ref`` [s]."""

    kind: str
    tolerance_s: float
    n_run: int
    n_ref: int
    n_matched: int  #: pairs within the tolerance
    max_abs_dt_s: float  #: over nearest same-satellite partners (NaN: none)
    mean_dt_s: float
    worst: list[str]  #: satellite names, largest |dt| or unmatched first

    @property
    def passed(self) -> bool:
        return self.n_matched == self.n_run == self.n_ref


@dataclass
class Comparison:
    """Everything :func:`compare` found; :attr:`passed` is the verdict."""

    run: str
    reference: str
    satellites: np.ndarray  #: names of the compared satellites
    t_start_s: float  #: compared span, seconds after the run's epoch
    t_end_s: float
    n_times: int
    channels: list[ChannelResult]
    events: list[EventResult]
    notes: list[str]
    skipped: list[tuple[str, str]]  #: (channel, why)
    tolerances: Tolerances

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.channels) and all(e.passed for e in self.events)

    @property
    def failing(self) -> list[ChannelResult]:
        return [c for c in self.channels if not c.passed]

    def worst_names(self, c: ChannelResult, n: int = 3) -> list[str]:
        return [str(self.satellites[i]) for i in c.worst[:n]]

    def rich_tables(self, worst: int = 3) -> list[Any]:
        """The channel and event tables as ``rich`` tables."""
        from rich.table import Table

        t = Table(title=f"orbitwin compare: {self.run} vs {self.reference}")
        for col, just in (
            ("channel", "left"),
            ("samples", "right"),
            ("max |err|", "right"),
            ("RMSE", "right"),
            ("NRMSE", "right"),
            ("outside", "right"),
            ("band", "left"),
            ("result", "left"),
            ("worst satellites", "left"),
        ):
            t.add_column(col, justify=just, no_wrap=col in ("channel", "result"))  # type: ignore[arg-type]
        for row, c in zip(self._channel_rows(worst), self.channels, strict=True):
            style = None if c.passed else "bold red"
            t.add_row(row[0], *row[2:], style=style)
        tables = [t]
        if self.events:
            e = Table(title="event times (dt = run - reference)")
            for col in (
                "event",
                "run",
                "reference",
                "matched",
                "max |dt|",
                "mean dt",
                "tolerance",
                "result",
                "worst satellites",
            ):
                e.add_column(col)
            for row, ev in zip(self._event_rows(worst), self.events, strict=True):
                e.add_row(*row, style=None if ev.passed else "bold red")
            tables.append(e)
        return tables

    def _channel_rows(self, worst: int) -> list[list[str]]:
        rows = []
        for c in self.channels:
            rows.append(
                [
                    c.channel,
                    c.units,
                    f"{c.n_samples:,}",
                    f"{_g(c.max_abs_error)} {c.units}",
                    f"{_g(c.rmse)} {c.units}",
                    _g(c.nrmse),
                    f"{100 * c.outside_fraction:.3g} %",
                    c.tolerance.describe(),
                    ("pass" if c.passed else "FAIL") if c.n_samples else "no samples",
                    ", ".join(self.worst_names(c, worst)) if not c.passed else "",
                ]
            )
        return rows

    def _event_rows(self, worst: int) -> list[list[str]]:
        return [
            [
                e.kind,
                str(e.n_run),
                str(e.n_ref),
                str(e.n_matched),
                f"{_g(e.max_abs_dt_s)} s",
                f"{_g(e.mean_dt_s)} s",
                f"{e.tolerance_s:g} s",
                "pass" if e.passed else "FAIL",
                ", ".join(e.worst[:worst]) if not e.passed else "",
            ]
            for e in self.events
        ]

    def summary(self) -> str:
        """One line: PASS/FAIL with counts."""
        nf = len(self.failing)
        ne = sum(not e.passed for e in self.events)
        verdict = "PASS" if self.passed else "FAIL"
        return (
            f"{verdict}: {len(self.channels) - nf}/{len(self.channels)} channels and "
            f"{len(self.events) - ne}/{len(self.events)} event kinds within tolerance "
            f"({len(self.satellites)} satellites, {self.n_times} times, "
            f"{self.t_start_s:g} s to {self.t_end_s:g} s after the run's epoch)"
        )

    def text(self, worst: int = 3) -> str:
        """Plain-text report (notes, tables, verdict), as printed by ``assert_matches``."""
        from rich.console import Console

        buf = io.StringIO()
        console = Console(file=buf, width=200, no_color=True, force_terminal=False)
        for n in self.notes:
            console.print(n, markup=False)
        for tbl in self.rich_tables(worst):
            console.print(tbl)
        if self.skipped:
            console.print(self._skipped_line(), markup=False)
        console.print(self.summary(), markup=False)
        return buf.getvalue()

    def _skipped_line(self) -> str:
        return "not compared: " + ", ".join(f"{c} ({why})" for c, why in self.skipped)

    def print(self, worst: int = 3) -> None:
        """Prints notes, the tables and the verdict to the terminal."""
        from rich.console import Console

        console = Console()
        if not console.is_terminal:
            console = Console(width=max(console.width, 160))
        for n in self.notes:
            console.print(f"[dim]{n}[/dim]", highlight=False)
        for tbl in self.rich_tables(worst):
            console.print(tbl)
        if self.skipped:
            console.print(self._skipped_line(), style="dim", markup=False, highlight=False)
        style = "bold green" if self.passed else "bold red"
        console.print(f"[{style}]{self.summary()}[/{style}]", highlight=False)

    def write_report(self, path: str | os.PathLike[str], worst: int = 3) -> Path:
        """Writes an HTML (``.html``/``.htm``) or Markdown (``.md``) report with overlay
        plots of the failing channels (PNG embedded in HTML; side files
        ``NAME_files/*.png`` beside Markdown). Plots need matplotlib (the ``plot``
        extra); without it the report says so."""
        p = Path(path)
        suffix = p.suffix.lower()
        if suffix not in (".html", ".htm", ".md", ".markdown"):
            raise ValueError(
                f"report file {str(p)!r} has suffix {p.suffix!r}; allowed: .html, .htm, .md"
            )
        p.parent.mkdir(parents=True, exist_ok=True)
        pngs = _plots(self, worst)
        if suffix in (".md", ".markdown"):
            p.write_text(_markdown(self, pngs, p, worst), encoding="utf-8")
        else:
            p.write_text(_html(self, pngs, worst), encoding="utf-8")
        return p


def _g(x: float) -> str:
    return "—" if not np.isfinite(x) else f"{x:.3g}"


# --------------------------------------------------------------------------------------
# Loading and alignment


def load_reference(path: str | os.PathLike[str], *, epoch: str | None = None) -> Any:
    """A run file via :func:`orbitwin.open_run`, anything else (CSV, HDF5 columns) via
    :func:`orbitwin.telemetry.read_telemetry`."""
    from .results import open_run

    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"file {str(p)!r} does not exist")
    if is_telemetry_file(p):
        return read_telemetry(p, epoch=epoch)
    return open_run(p)


def _as_dataset(obj: Any, epoch: str | None = None) -> tuple[Any, str]:
    if hasattr(obj, "data_vars"):
        return obj, str(obj.attrs.get("source", obj.attrs.get("scenario", "<dataset>")))
    if hasattr(obj, "path") and hasattr(obj, "stats"):  # a RunResult
        obj = obj.path
    return load_reference(obj, epoch=epoch), str(obj)


def _epoch_ns(ds: Any) -> np.int64 | None:
    ep = ds.attrs.get("epoch")
    if not ep:
        return None
    return np.datetime64(str(ep).replace("Z", "").replace("+00:00", ""), "ns").astype(np.int64)


def _abs_times_ns(ds: Any) -> np.ndarray:
    """Sample times [ns since 1970, UTC]: exact ``epoch + time_ns`` for runs."""
    ep = _epoch_ns(ds)
    if "time_ns" in ds.variables and ep is not None:
        return ep + np.asarray(ds["time_ns"].values, dtype=np.int64)
    return np.asarray(ds["time"].values).astype("datetime64[ns]").astype(np.int64)


def _match_satellites(run: Any, ref: Any, ref_is_run: bool) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (run, reference) of the compared satellites, in the run's order."""
    run_names = np.asarray(run["satellite_name"].values).astype(str)
    ref_names = np.asarray(ref["satellite_name"].values).astype(str)
    if ref.attrs.get("satellite_key") == "index":
        ref_idx = np.arange(ref_names.size)
        run_idx = ref_names.astype(np.int64)
        bad = (run_idx < 0) | (run_idx >= run_names.size)
        if bad.any():
            raise CompareError(
                f"reference satellite index {ref_names[bad][0]} is not in the run; allowed: "
                f"0 to {run_names.size - 1}"
            )
    else:
        order = np.argsort(run_names, kind="stable")
        pos = np.searchsorted(run_names[order], ref_names)
        pos = np.minimum(pos, run_names.size - 1)
        found = run_names[order][pos] == ref_names
        if not found.all():
            missing = ref_names[~found]
            raise CompareError(
                f"{missing.size} reference satellite(s) are not in the run, e.g. "
                f"{', '.join(missing[:5])}; runs are matched on satellite names"
            )
        run_idx = order[pos]
        ref_idx = np.arange(ref_names.size)
        if ref_is_run and ref_names.size != run_names.size:
            extra = np.setdiff1d(run_names, ref_names)
            raise CompareError(
                f"the run has {extra.size} satellite(s) the reference lacks, e.g. "
                f"{', '.join(extra[:5])}; runs are matched on satellite names"
            )
    keep = np.argsort(run_idx, kind="stable")
    return run_idx[keep], ref_idx[keep]


def _interp(tr: np.ndarray, f: np.ndarray, t: np.ndarray, bridge: bool) -> np.ndarray:
    """``f`` (m, k, e) sampled at ``tr`` (m,) [s] linearly interpolated at ``t`` (n,);
    NaN outside ``tr`` and, unless ``bridge``, next to a missing sample. With ``bridge``
    the interpolation spans runs of missing samples (sparse telemetry)."""
    m = tr.size
    j = np.searchsorted(tr, t, side="right") - 1  # last knot at or before t: -1..m-1
    finite = np.isfinite(f)
    ar = np.arange(m).reshape(m, *([1] * (f.ndim - 1)))
    prev = np.maximum.accumulate(np.where(finite, ar, -1), axis=0)
    nxt = np.minimum.accumulate(np.where(finite, ar, m)[::-1], axis=0)[::-1]
    jj = np.clip(j, 0, m - 1)
    p = np.where((j >= 0).reshape(-1, *([1] * (f.ndim - 1))), prev[jj], -1)
    jn = np.clip(j + 1, 0, m - 1)
    q = np.where((j + 1 <= m - 1).reshape(-1, *([1] * (f.ndim - 1))), nxt[jn], m)
    shape1 = (-1, *([1] * (f.ndim - 1)))
    if not bridge:
        p = np.where(p == j.reshape(shape1), p, -1)
        q = np.where(q == (j + 1).reshape(shape1), q, m)
    pc, qc = np.clip(p, 0, m - 1), np.clip(q, 0, m - 1)
    fp = np.take_along_axis(f, pc, axis=0)
    fq = np.take_along_axis(f, qc, axis=0)
    tp, tq = tr[pc], tr[qc]
    tt = t.reshape(shape1)
    exact = (p >= 0) & (tp == tt)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = (tt - tp) / (tq - tp)
        out = fp + (fq - fp) * w
    ok = (p >= 0) & (q < m)
    return np.where(exact, fp, np.where(ok, out, np.nan))


def _range_reduce(x: np.ndarray, a: np.ndarray, b: np.ndarray, op: Any, fill: float) -> np.ndarray:
    """``op``-reduction (np.minimum/np.maximum) of ``x`` (m, ...) over index ranges
    ``[a_i, b_i)`` for every i at once: a doubling table, one pass per power of two
    of the longest range (``fill`` for empty ranges)."""
    n = a.size
    length = b - a
    out = np.full((n, *x.shape[1:]), fill, dtype=np.float64)
    if n == 0 or length.max(initial=0) <= 0:
        return out
    level = np.zeros(n, dtype=np.int64)
    nz = length > 0
    level[nz] = np.floor(np.log2(length[nz])).astype(np.int64)
    table = x
    for lv in range(int(level[nz].max()) + 1):
        w = 1 << lv
        sel = np.flatnonzero(nz & (level == lv))
        if sel.size:
            out[sel] = op(table[a[sel]], table[b[sel] - w])
        if table.shape[0] > w:
            table = op(table[:-w], table[w:])
    return out


def band_outside(
    run: np.ndarray,
    tr: np.ndarray,
    ref: np.ndarray,
    t: np.ndarray,
    abs_tol: float,
    rel_tol: float,
    lag_s: float,
    bridge: bool = False,
    ref_at_t: np.ndarray | None = None,
) -> np.ndarray:
    """Per sample of ``run`` (n, ...) at times ``t`` (n,) [s], True where no reference
    value (``ref`` (m, ...) at ``tr`` (m,) [s], piecewise linear) within ``±lag_s`` of
    the sample's time lies within ``abs_tol + rel_tol * |ref|`` of it; False where the
    reference is undefined at ``t`` (not compared). A missing run value with a defined
    reference is outside."""
    fi = _interp(tr, ref, t, bridge) if ref_at_t is None else ref_at_t
    if lag_s > 0:
        t0, t1 = np.maximum(t - lag_s, tr[0]), np.minimum(t + lag_s, tr[-1])
        fa, fb = _interp(tr, ref, t0, bridge), _interp(tr, ref, t1, bridge)
        a = np.searchsorted(tr, t0, side="left")
        b = np.searchsorted(tr, t1, side="right")
        b = np.maximum(a, b)
        lo_k = _range_reduce(np.where(np.isfinite(ref), ref, np.inf), a, b, np.minimum, np.inf)
        hi_k = _range_reduce(np.where(np.isfinite(ref), ref, -np.inf), a, b, np.maximum, -np.inf)
        lo = np.fmin(np.fmin(fa, fb), lo_k)
        hi = np.fmax(np.fmax(fa, fb), hi_k)
        lo = np.fmin(lo, fi)
        hi = np.fmax(hi, fi)
    else:
        lo = hi = fi
    valid = np.isfinite(fi)
    with np.errstate(invalid="ignore"):
        nearest = np.clip(run, lo, hi)
        dist = np.abs(run - nearest)
        tol = abs_tol + rel_tol * np.abs(nearest)
        out = valid & ~(dist <= tol)
    return out


# --------------------------------------------------------------------------------------
# Channels


def _periodic(variable: str, units: str) -> float | None:
    if variable.endswith("longitude"):
        return 2 * math.pi if units == "rad" else 360.0
    return None


def _unwrap(x: np.ndarray, period: float) -> np.ndarray:
    """Unwraps a periodic series along time (axis 0), stepping over missing samples."""
    d = np.diff(x, axis=0)
    d = np.where(np.isfinite(d), d, 0.0)
    corr = -period * np.round(d / period)
    return x + np.concatenate([np.zeros_like(x[:1]), np.cumsum(corr, axis=0)], axis=0)


def channel_metrics(
    variable: str,
    units: str,
    run: np.ndarray,
    reference: np.ndarray,
    t_s: np.ndarray,
    t_ref_s: np.ndarray,
    tolerance: ChannelTolerance | None = None,
    *,
    bridge: bool = False,
    worst: int = 5,
    inner_dim: str = "",
) -> ChannelResult:
    """Metrics of one channel from arrays: ``run`` (n, k[, ...]) at times ``t_s`` (n,) [s]
    against ``reference`` (m, k[, ...]) at ``t_ref_s`` (m,) [s], both in ``units``,
    satellites along axis 1 in the same order. The reference is interpolated linearly
    onto ``t_s`` (across runs of missing samples when ``bridge``); the errors, RMSE,
    range-normalised RMSE and the lag-band fraction outside ``tolerance`` (default: a
    :class:`~orbitwin.tolerances.ChannelTolerance`) are as in the module docstring.
    The building block of :func:`compare`, for callers that hold arrays (calibration)."""
    tol = tolerance if tolerance is not None else ChannelTolerance()
    r = np.asarray(run, dtype=np.float64)
    f = np.asarray(reference, dtype=np.float64)
    r = r.reshape(r.shape[0], r.shape[1], -1)
    f = f.reshape(f.shape[0], f.shape[1], -1)
    t = np.asarray(t_s, dtype=np.float64)
    tr = np.asarray(t_ref_s, dtype=np.float64)
    same_grid = tr.shape == t.shape and np.array_equal(tr, t)
    return _channel(variable, units, r, f, t, tr, tol, bridge, same_grid, worst, inner_dim)


def _channel(
    var: str,
    units: str,
    r: np.ndarray,
    f: np.ndarray,
    t: np.ndarray,
    tr: np.ndarray,
    tol: ChannelTolerance,
    bridge: bool,
    same_grid: bool,
    worst: int,
    inner_dim: str = "",
) -> ChannelResult:
    """Metrics of one channel: ``r`` (n, k, e) run values at ``t`` (n,) [s], ``f`` (m, k, e)
    reference values at ``tr`` (m,) [s]."""
    period = _periodic(var, units)
    if period is not None:
        f = _unwrap(f, period)
    fi = f if same_grid else _interp(tr, f, t, bridge)
    if period is not None:
        r = r + period * np.round((fi - r) / period)  # the run on the reference's branch
    in_window = (t >= tol.window_s[0]) & (t <= tol.window_s[1])
    if not in_window.all():
        r, fi, t = r[in_window], fi[in_window], t[in_window]
    outside = band_outside(r, tr, f, t, tol.abs, tol.rel, tol.lag_s, bridge, ref_at_t=fi)
    valid = np.isfinite(fi)
    both = valid & np.isfinite(r)
    err = np.where(both, r - fi, 0.0)
    axes = (0, 2)
    n_valid = valid.sum(axis=axes)
    n_both = both.sum(axis=axes)
    sq = (err * err).sum(axis=axes)
    abs_err = np.where(both, np.abs(err), -np.inf)
    sat_max = abs_err.max(axis=axes, initial=-np.inf)
    sat_max = np.where(np.isfinite(sat_max), sat_max, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        sat_rmse = np.where(n_both > 0, np.sqrt(sq / np.maximum(n_both, 1)), np.nan)
        hi = np.where(valid, fi, -np.inf).max(axis=axes, initial=-np.inf)
        lo = np.where(valid, fi, np.inf).min(axis=axes, initial=np.inf)
        span = hi - lo
        sat_nrmse = np.where(span > 0, sat_rmse / span, np.where(sat_rmse == 0, 0.0, np.nan))
        n_out = outside.sum(axis=axes)
        sat_frac = np.where(n_valid > 0, n_out / np.maximum(n_valid, 1), 0.0)
    total = int(n_valid.sum())
    order = np.lexsort(
        (-np.nan_to_num(sat_nrmse, nan=-1.0), -np.nan_to_num(sat_max, nan=-1.0), -sat_frac)
    )
    order = order[n_valid[order] > 0]
    result = ChannelResult(
        variable=var,
        units=units,
        tolerance=tol,
        n_samples=total,
        max_abs_error=float(np.nanmax(sat_max)) if np.isfinite(sat_max).any() else math.nan,
        rmse=float(math.sqrt(sq.sum() / n_both.sum())) if n_both.sum() else math.nan,
        nrmse=float(np.nanmax(sat_nrmse)) if np.isfinite(sat_nrmse).any() else math.nan,
        outside_fraction=float(n_out.sum() / total) if total else 0.0,
        sat_max_abs_error=sat_max,
        sat_rmse=sat_rmse,
        sat_nrmse=sat_nrmse,
        sat_outside_fraction=sat_frac,
        sat_samples=n_valid,
        worst=order[: max(worst, 3)].tolist(),
    )
    if not result.passed:
        # The worst satellites' worst element, for overlay plots.
        w = np.asarray(result.worst[:3], dtype=np.int64)
        elem = np.where(both[:, w], np.abs(r[:, w] - fi[:, w]), -1.0).max(axis=0).argmax(axis=1)
        result.plot = {
            "t": t,
            "run": r[:, w, elem],
            "t_ref": tr,
            "ref": f[:, w, elem],
            "satellites": w,
            "elements": elem,
            "inner": inner_dim if r.shape[2] > 1 else "",
        }
    return result


# --------------------------------------------------------------------------------------
# Events


def _crossings(t: np.ndarray, y: np.ndarray, rising: bool) -> tuple[np.ndarray, np.ndarray]:
    """(satellite, time [s]) of every crossing of 0.5 by ``y`` (n, k), interpolated."""
    y0, y1 = y[:-1], y[1:]
    with np.errstate(invalid="ignore"):
        hit = (y0 < 0.5) & (y1 >= 0.5) if rising else (y0 >= 0.5) & (y1 < 0.5)
    i, s = np.nonzero(hit)
    frac = (0.5 - y0[i, s]) / (y1[i, s] - y0[i, s])
    return s, t[i] + frac * (t[i + 1] - t[i])


def _nearest(
    sa: np.ndarray, ta: np.ndarray, sb: np.ndarray, tb: np.ndarray, span: float
) -> np.ndarray:
    """For each (sa, ta), the signed dt to the nearest tb of the same satellite (NaN: none)."""
    out = np.full(ta.size, np.nan)
    if ta.size == 0 or tb.size == 0:
        return out
    t0 = min(float(ta.min()), float(tb.min()))
    stride = 4.0 * max(span, float(ta.max()) - t0, float(tb.max()) - t0) + 1.0
    kb = sb * stride + (tb - t0)
    order = np.argsort(kb)
    kb, sbs, tbs = kb[order], sb[order], tb[order]
    ka = sa * stride + (ta - t0)
    j = np.searchsorted(kb, ka)
    for cand in (j - 1, j):
        c = np.clip(cand, 0, kb.size - 1)
        ok = (cand >= 0) & (cand < kb.size) & (sbs[c] == sa)
        dt = ta - tbs[c]
        better = ok & ~(np.abs(dt) >= np.abs(out))
        out = np.where(better, dt, out)
    return out


def _event_result(
    kind: str,
    tol_s: float,
    sa: np.ndarray,
    ta: np.ndarray,
    sb: np.ndarray,
    tb: np.ndarray,
    names: np.ndarray,
    span: float,
    worst: int,
) -> EventResult:
    dta = _nearest(sa, ta, sb, tb, span)
    dtb = _nearest(sb, tb, sa, ta, span)
    ok_a = np.abs(dta) <= tol_s
    ok_b = np.abs(dtb) <= tol_s
    n_matched = int(min(ok_a.sum(), ok_b.sum()))
    badness = np.where(np.isfinite(dta), np.abs(dta), np.inf)
    bad_sats = np.concatenate([sa[~ok_a], sb[~ok_b]])
    by_dt = sa[np.argsort(-badness)]
    ranked = list(dict.fromkeys([*bad_sats.tolist(), *by_dt.tolist()]))
    return EventResult(
        kind=kind,
        tolerance_s=tol_s,
        n_run=int(ta.size),
        n_ref=int(tb.size),
        n_matched=n_matched,
        max_abs_dt_s=float(np.nanmax(np.abs(dta))) if np.isfinite(dta).any() else math.nan,
        mean_dt_s=float(np.nanmean(dta)) if np.isfinite(dta).any() else math.nan,
        worst=[str(names[s]) for s in ranked[:worst]],
    )


def _eclipse_events(
    r: np.ndarray,
    t: np.ndarray,
    f: np.ndarray,
    tr: np.ndarray,
    tol_s: float,
    names: np.ndarray,
    worst: int,
) -> list[EventResult]:
    lo = max(t[0], tr[0]) + tol_s + (float(np.max(np.diff(tr))) if tr.size > 1 else 0.0)
    hi = min(t[-1], tr[-1]) - tol_s - (float(np.max(np.diff(tr))) if tr.size > 1 else 0.0)
    span = float(max(t[-1], tr[-1]) - min(t[0], tr[0]))
    out = []
    for kind, rising in (("eclipse_entry", False), ("eclipse_exit", True)):
        sa, ta = _crossings(t, r, rising)
        sb, tb = _crossings(tr, f, rising)
        ka, kb = (ta >= lo) & (ta <= hi), (tb >= lo) & (tb <= hi)
        out.append(_event_result(kind, tol_s, sa[ka], ta[ka], sb[kb], tb[kb], names, span, worst))
    return out


def _group_events(
    run: Any,
    ref: Any,
    run_idx: np.ndarray,
    run_epoch: np.int64,
    ref_epoch: np.int64,
    t_lo: float,
    t_hi: float,
    tolerances: Tolerances,
    worst: int,
) -> list[EventResult]:
    """Events-group kinds, matched by kind and satellite name in time order."""
    evr, evf = run.attrs.get("events"), ref.attrs.get("events")
    if evr is None and evf is None:
        return []
    compared = set(np.asarray(run["satellite_name"].values).astype(str)[run_idx].tolist())
    compared.add("")

    def table(ev: Any, epoch: np.int64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if ev is None:
            return np.zeros(0, object), np.zeros(0, object), np.zeros(0)
        kinds = np.asarray(ev["kind"].values).astype(str)
        names = np.asarray(ev["satellite_name"].values).astype(str)
        t = (epoch - run_epoch + np.asarray(ev["time_ns"].values, np.int64)) / 1e9
        keep = (t >= t_lo) & (t <= t_hi) & np.isin(names, list(compared))
        return kinds[keep], names[keep], t[keep]

    ka, na, ta = table(evr, run_epoch)
    kb, nb, tb = table(evf, ref_epoch)
    all_names, inv = np.unique(np.concatenate([na, nb]), return_inverse=True)
    ia, ib = inv[: na.size], inv[na.size :]
    out = []
    for kind in sorted(set(ka.tolist()) | set(kb.tolist())):
        tol_s = tolerances.for_event(kind)
        if tol_s is None:
            continue
        ma, mb = ka == kind, kb == kind
        sa, tas = _ranked(ia[ma], ta[ma])
        sb, tbs = _ranked(ib[mb], tb[mb])
        # Pair the k-th event of a satellite in the run with its k-th in the reference.
        code_a = sa[0] * (tas.size + tbs.size + 1) + sa[1]
        code_b = sb[0] * (tas.size + tbs.size + 1) + sb[1]
        _, pa, pb = np.intersect1d(code_a, code_b, return_indices=True)
        dt = tas[pa] - tbs[pb]
        ok = np.abs(dt) <= tol_s
        unmatched_a = np.setdiff1d(np.arange(tas.size), pa[ok])
        unmatched_b = np.setdiff1d(np.arange(tbs.size), pb[ok])
        order = np.argsort(-np.abs(dt))
        ranked = [
            *sa[0][unmatched_a].tolist(),
            *sb[0][unmatched_b].tolist(),
            *sa[0][pa[order]].tolist(),
        ]
        out.append(
            EventResult(
                kind=kind,
                tolerance_s=tol_s,
                n_run=int(tas.size),
                n_ref=int(tbs.size),
                n_matched=int(ok.sum()),
                max_abs_dt_s=float(np.abs(dt).max()) if dt.size else math.nan,
                mean_dt_s=float(dt.mean()) if dt.size else math.nan,
                worst=[all_names[i] or "(fleet)" for i in dict.fromkeys(ranked)][:worst],
            )
        )
    return out


def _ranked(ids: np.ndarray, t: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """((satellite id, rank in time within the satellite), time) sorted by (id, time)."""
    order = np.lexsort((t, ids))
    ids, t = ids[order], t[order]
    start = np.r_[0, np.flatnonzero(np.diff(ids)) + 1] if ids.size else np.zeros(0, np.int64)
    first = np.repeat(start, np.diff(np.r_[start, ids.size])) if ids.size else start
    return (ids, np.arange(ids.size) - first), t


# --------------------------------------------------------------------------------------
# The comparison


def compare(
    run: Any,
    reference: Any,
    tolerances: Tolerances | dict[str, Any] | str | os.PathLike[str] | None = None,
    *,
    epoch: str | None = None,
    worst: int = 5,
) -> Comparison:
    """Compares ``run`` with ``reference`` (each a run file path, a telemetry file path,
    a :class:`~orbitwin.run.RunResult` or an ``xarray.Dataset`` as :func:`orbitwin.open_run`
    or :func:`orbitwin.telemetry.read_telemetry` return) under ``tolerances`` (a
    :class:`~orbitwin.tolerances.Tolerances`, a TOML-shaped dict, a file, or None for the
    shipped regression tolerances). ``epoch`` is the zero of numeric telemetry times.
    Returns the per-channel, per-satellite metrics and event time differences (see the
    module docstring); raises :class:`CompareError` when nothing can be compared."""
    tol = as_tolerances(tolerances)
    run_ds, run_label = _as_dataset(run)
    ref_ds, ref_label = _as_dataset(reference, epoch)
    ref_is_run = "orbitwin_version" in ref_ds.attrs
    bridge = not ref_is_run
    notes: list[str] = []
    run_epoch = _epoch_ns(run_ds)
    if run_epoch is None:
        raise CompareError(f"run {run_label} has no 'epoch' attribute; is it an orbitwin run?")
    ref_epoch = _epoch_ns(ref_ds)
    run_idx, ref_idx = _match_satellites(run_ds, ref_ds, ref_is_run)
    names = np.asarray(run_ds["satellite_name"].values).astype(str)[run_idx]
    if not ref_is_run and run_idx.size < run_ds.sizes["satellite"]:
        notes.append(
            f"compared {run_idx.size} of the run's {run_ds.sizes['satellite']} satellites "
            "(those in the reference)"
        )

    t_run = (_abs_times_ns(run_ds) - run_epoch) / 1e9
    t_ref_all = (_abs_times_ns(ref_ds) - run_epoch) / 1e9
    if t_ref_all.size == 0 or t_run.size == 0:
        raise CompareError("run or reference has no samples")
    lo, hi = max(t_run[0], t_ref_all[0]), min(t_run[-1], t_ref_all[-1])
    sel = np.flatnonzero((t_run >= lo) & (t_run <= hi))
    if sel.size == 0:
        raise CompareError(
            f"run ({t_run[0]:g} s to {t_run[-1]:g} s) and reference ({t_ref_all[0]:g} s to "
            f"{t_ref_all[-1]:g} s after the run's epoch) do not overlap in time"
        )
    t = t_run[sel]
    same_grid = t_ref_all.size == t.size and np.array_equal(
        _abs_times_ns(ref_ds), _abs_times_ns(run_ds)[sel]
    )
    if sel.size < t_run.size or t_ref_all[0] < lo or t_ref_all[-1] > hi:
        notes.append(
            f"compared where run and reference overlap: {lo:g} s to {hi:g} s after the run's "
            f"epoch ({sel.size} of the run's {t_run.size} times)"
        )
    if not same_grid:
        step_ref = float(np.median(np.diff(t_ref_all))) if t_ref_all.size > 1 else math.nan
        step_run = float(np.median(np.diff(t))) if t.size > 1 else math.nan
        notes.append(
            f"the reference ({t_ref_all.size} times, median step {step_ref:g} s) is "
            f"interpolated linearly onto the run's times (step {step_run:g} s)"
            + ("; across gaps of missing samples too" if bridge else "")
        )

    channels: list[ChannelResult] = []
    skipped: list[tuple[str, str]] = []
    run_vars = [v for v in run_ds.data_vars if _is_channel(run_ds[v])]
    ref_vars = [v for v in ref_ds.data_vars if _is_channel(ref_ds[v])]
    for v in ref_vars:
        if v not in run_vars:
            skipped.append((v.replace("__", "."), "only in the reference"))
    if ref_is_run:
        for v in run_vars:
            if v not in ref_vars:
                skipped.append((v.replace("__", "."), "only in the run"))
    for var in run_vars:
        if var not in ref_vars:
            continue
        ctol = tol.for_channel(var)
        if ctol.ignore:
            skipped.append((var.replace("__", "."), "ignored by the tolerances"))
            continue
        units = str(run_ds[var].attrs.get("units", ""))
        ref_units = str(ref_ds[var].attrs.get("units", ""))
        r = np.asarray(run_ds[var].values)[sel][:, run_idx].astype(np.float64)
        f = np.asarray(ref_ds[var].values)[:, ref_idx].astype(np.float64)
        if ref_units != units:
            try:
                f = convert_units(f, ref_units, units, what=f"channel {var.replace('__', '.')}")
            except TelemetryError as exc:
                raise CompareError(str(exc)) from None
        r = r.reshape(r.shape[0], r.shape[1], -1)
        f = f.reshape(f.shape[0], f.shape[1], -1)
        if f.shape[2] < r.shape[2] and bridge:
            pad = np.full((*f.shape[:2], r.shape[2] - f.shape[2]), np.nan)
            f = np.concatenate([f, pad], axis=2)
        if f.shape[2] != r.shape[2]:
            raise CompareError(
                f"channel {var.replace('__', '.')}: the run has {r.shape[2]} element(s) per "
                f"satellite, the reference {f.shape[2]}; allowed: the same inner dimensions"
            )
        inner = "x".join(str(d) for d in run_ds[var].dims[2:])
        channels.append(
            _channel(var, units, r, f, t, t_ref_all, ctol, bridge, same_grid, worst, inner)
        )

    events: list[EventResult] = []
    ecl_tol = tol.for_event("eclipse")
    ill = "sun__illumination"
    if ecl_tol is not None and ill in run_vars and ill in ref_vars:
        r = np.asarray(run_ds[ill].values)[sel][:, run_idx].astype(np.float64)
        f = np.asarray(ref_ds[ill].values)[:, ref_idx].astype(np.float64)
        events += _eclipse_events(r, t, f, t_ref_all, ecl_tol, names, worst)
    if ref_is_run and ref_epoch is not None:
        events += _group_events(run_ds, ref_ds, run_idx, run_epoch, ref_epoch, lo, hi, tol, worst)
    if not channels and not events:
        raise CompareError(
            "run and reference share no comparable channel"
            + (f" (skipped: {', '.join(f'{c} ({w})' for c, w in skipped)})" if skipped else "")
        )
    return Comparison(
        run=run_label,
        reference=ref_label,
        satellites=names,
        t_start_s=float(lo),
        t_end_s=float(hi),
        n_times=int(t.size),
        channels=channels,
        events=events,
        notes=notes,
        skipped=skipped,
        tolerances=tol,
    )


def _is_channel(da: Any) -> bool:
    return (
        da.name not in _NOT_CHANNELS
        and da.dims[:2] == ("time", "satellite")
        and np.dtype(da.dtype).kind in "fiub"
    )


# --------------------------------------------------------------------------------------
# Reports


def _plots(cmp: Comparison, worst: int) -> dict[str, bytes]:
    """PNG overlay plots (run vs reference, worst satellites) of failing channels."""
    failing = [c for c in cmp.channels if c.plot]
    if not failing:
        return {}
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return {}
    out = {}
    for c in failing:
        p = c.plot
        n = len(p["satellites"])
        fig, axes = plt.subplots(n, 1, figsize=(9, 2.6 * n), sharex=True, squeeze=False)
        for k, ax in enumerate(axes[:, 0]):
            sat = cmp.satellites[p["satellites"][k]]
            label = f"{sat}" + (f", {p['inner']} {int(p['elements'][k])}" if p["inner"] else "")
            ax.plot(
                p["t_ref"] / 3600,
                p["ref"][:, k],
                color="0.4",
                lw=2.2,
                alpha=0.7,
                label="reference",
                marker="." if p["t_ref"].size < 200 else None,
            )
            ax.plot(p["t"] / 3600, p["run"][:, k], color="C3", lw=1.0, label="run")
            ax.set_ylabel(c.units)
            ax.set_title(f"{c.channel} — {label}", fontsize=10)
            ax.legend(loc="best", fontsize=8)
            ax.grid(alpha=0.3)
        axes[-1, 0].set_xlabel("hours after the run's epoch")
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=90)
        plt.close(fig)
        out[c.variable] = buf.getvalue()
    return out


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(x.replace("|", "\\|") for x in r) + " |" for r in rows]
    return "\n".join(lines)


_CH_HEADER = [
    "channel",
    "samples",
    "max abs err",
    "RMSE",
    "NRMSE",
    "outside",
    "tolerance",
    "result",
    "worst satellites",
]
_EV_HEADER = [
    "event",
    "run",
    "reference",
    "matched",
    "max abs dt",
    "mean dt",
    "tolerance",
    "result",
    "worst satellites",
]


def _markdown(cmp: Comparison, pngs: dict[str, bytes], path: Path, worst: int) -> str:
    parts = [
        f"# orbitwin compare: `{cmp.run}` vs `{cmp.reference}`",
        "",
        f"**{cmp.summary()}**",
        "",
    ]
    parts += [f"- {n}" for n in cmp.notes]
    rows = [[r[0], *r[2:]] for r in cmp._channel_rows(worst)]
    parts += ["", "## Channels", "", _md_table(_CH_HEADER, rows), ""]
    if cmp.events:
        parts += [
            "## Event times (dt = run - reference)",
            "",
            _md_table(_EV_HEADER, cmp._event_rows(worst)),
            "",
        ]
    if cmp.skipped:
        parts += ["## Not compared", ""] + [f"- {c}: {w}" for c, w in cmp.skipped] + [""]
    if pngs:
        side = path.with_name(path.stem + "_files")
        side.mkdir(exist_ok=True)
        parts += ["## Failing channels", ""]
        for var, png in pngs.items():
            (side / f"{var}.png").write_bytes(png)
            parts += [f"![{var}]({side.name}/{var}.png)", ""]
    elif cmp.failing:
        parts += ["(overlay plots need matplotlib: pip install 'orbitwin[plot]')", ""]
    return "\n".join(parts)


def _html(cmp: Comparison, pngs: dict[str, bytes], worst: int) -> str:
    from html import escape

    def table(header: list[str], rows: list[list[str]], ok: list[bool]) -> str:
        head = "".join(f"<th>{escape(h)}</th>" for h in header)
        body = "".join(
            f"<tr class='{'ok' if good else 'bad'}'>"
            + "".join(f"<td>{escape(x)}</td>" for x in r)
            + "</tr>"
            for r, good in zip(rows, ok, strict=True)
        )
        return f"<table><tr>{head}</tr>{body}</table>"

    verdict = "pass" if cmp.passed else "fail"
    html = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>orbitwin compare</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 8px;font-size:90%}tr.bad{background:#fdd}"
        ".pass{color:#070}.fail{color:#b00}</style></head><body>",
        f"<h1>orbitwin compare</h1><p><code>{escape(cmp.run)}</code> vs "
        f"<code>{escape(cmp.reference)}</code></p>",
        f"<p class='{verdict}'><b>{escape(cmp.summary())}</b></p>",
        "<ul>" + "".join(f"<li>{escape(n)}</li>" for n in cmp.notes) + "</ul>",
        "<h2>Channels</h2>",
        table(
            _CH_HEADER,
            [[r[0], *r[2:]] for r in cmp._channel_rows(worst)],
            [c.passed for c in cmp.channels],
        ),
    ]
    if cmp.events:
        html += [
            "<h2>Event times (dt = run - reference)</h2>",
            table(_EV_HEADER, cmp._event_rows(worst), [e.passed for e in cmp.events]),
        ]
    if cmp.skipped:
        html += [
            "<h2>Not compared</h2><ul>"
            + "".join(f"<li>{escape(c)}: {escape(w)}</li>" for c, w in cmp.skipped)
            + "</ul>"
        ]
    if pngs:
        html.append("<h2>Failing channels</h2>")
        for var, png in pngs.items():
            b64 = base64.b64encode(png).decode()
            html.append(f"<p><img alt='{escape(var)}' src='data:image/png;base64,{b64}'></p>")
    elif cmp.failing:
        html.append("<p>(overlay plots need matplotlib: pip install 'orbitwin[plot]')</p>")
    html.append("</body></html>")
    return "\n".join(html)


# --------------------------------------------------------------------------------------
# Command line


_TOLERANCE_HELP = """\
tolerance file (TOML; every table optional, unset fields from [default]):
  ignore = ["status.flags"]           # channels or glob patterns not compared
  [default]
  abs = 0.0                           # absolute tolerance, channel units (K, W, m, rad, 1)
  rel = 1e-6                          # relative tolerance, fraction of |reference|
  lag = "0s"                          # allowed time lag ("30s", "2min")
  window = ["0s", "end"]              # compared span after the run's epoch
  max_outside = 0.0                   # fraction of samples allowed outside the band
  [channels."thermal.temperature"]    # a channel, file variable or pattern ("power.*")
  abs = 0.5
  lag = "30s"
  [events]
  eclipse = "30s"                     # eclipse entry/exit (sun.illumination crossing 0.5)
  default = "0s"                      # faults, watches, operations
  ignore = ["upset"]
"""


def add_parser(sub: Any) -> None:
    """``orbitwin compare RUN REFERENCE [--tolerances FILE] [--report FILE]``."""
    p = sub.add_parser(
        "compare",
        help="compare a run with a reference run or telemetry; exit 1 when out of tolerance",
        epilog=_TOLERANCE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=textwrap.fill(
            "Compare RUN.h5 with a reference run (.h5) or telemetry (.csv, or HDF5 columns): "
            "per channel and satellite the max absolute error, RMSE, range-normalised RMSE "
            "and the fraction of samples outside the tolerance band (abs + rel*|ref|, "
            "allowing a time lag), plus eclipse entry/exit and event time differences. "
            "Satellites are matched by name; the reference is interpolated onto the run's "
            "times where they overlap. Exit 0: within tolerance; 1: compared, out of "
            "tolerance; 2: bad input. Tolerance files: TOML, "
            "format below (default: the shipped regression tolerances).",
            78,
        ),
    )
    p.add_argument("run", help="run file (.h5)")
    p.add_argument("reference", help="reference run (.h5) or telemetry (.csv, .h5 columns)")
    p.add_argument("--tolerances", help="tolerance file (TOML); default: regression tolerances")
    p.add_argument("--report", help="write a report: .html (plots embedded) or .md (side PNGs)")
    p.add_argument("--worst", type=int, default=3, help="worst satellites listed (default 3)")
    p.add_argument(
        "--epoch", help="epoch of numeric telemetry times when the file gives none (ISO 8601 UTC)"
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    p.set_defaults(handler=_compare_command)


def _compare_command(args: Any) -> int:
    import time

    from .results import check_run_file

    check_run_file(args.run)
    if args.report and Path(args.report).suffix.lower() not in (".html", ".htm", ".md"):
        raise ValueError(
            f"--report is {args.report!r}; allowed: a file ending in .html, .htm or .md"
        )
    t0 = time.perf_counter()
    result = compare(args.run, args.reference, args.tolerances, epoch=args.epoch, worst=args.worst)
    result.print(args.worst)
    if args.report:
        path = result.write_report(args.report, args.worst)
        print(f"report: {path}")
    print(f"compared in {time.perf_counter() - t0:.2f} s")
    return 0 if result.passed else 1
