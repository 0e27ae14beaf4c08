"""``orbitwin report RUN.h5 [--out DIR]``: plots of a run that a person would rather
look at than read (matplotlib, Agg backend; no display needed).

For every per-satellite channel in the file (generic: each is described by its
own ``units`` and ``long_name``) one PNG "channel card" with three panels:

1. fleet statistics over time: min, 5/25/50/75/95th percentiles and max over
   the satellites at every frame (for integer channels such as flags: the
   fraction of satellites with a non-zero value);
2. the distribution over the satellites at the last frame;
3. the worst satellites: the ten with the most extreme value over the run,
   their histories over the fleet's median.

"Worst" is the highest value, except for channels whose name says that low is
bad (:data:`LOW_IS_WORST`: state of charge, delivered compute, margins, ...),
where it is the lowest; for integer channels (flags) it is the most frames
non-zero (the fewest where low is bad, e.g. ``ground.visible``).
Channels with an inner dimension (stations, thermal nodes) are reduced by
their maximum over it (vectors by their norm); ``orbit.latitude`` and
``orbit.longitude`` are positions, left to ``orbitwin view``.

Plus ``events.png``, a timeline of the ``events`` group (faults, upsets,
watches, operations) by kind, and ``index.html``, one self-contained page
(every PNG embedded) with the run's metadata, the cards, tables of the worst
satellites and of the events.
"""

from __future__ import annotations

import argparse
import base64
import html
import math
import os
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..cli import EXIT_ERROR
from .runfile import Field, RunFile, format_value

#: Percentiles [%] of the fleet statistics, low to high.
PERCENTILES = (0.0, 5.0, 25.0, 50.0, 75.0, 95.0, 100.0)
#: Name fragments of channels where a low value is the bad one.
LOW_IS_WORST = (
    "soc",
    "state_of_charge",
    "charge",
    "energy",
    "delivered",
    "throughput",
    "work",
    "margin",
    "health",
    "capacity",
    "visible",
    "contact",
    "illumination",
)
#: Channels left out of the report (positions, shown by ``orbitwin view``).
SKIP_CHANNELS = ("orbit.latitude", "orbit.longitude")
#: Satellites listed as the worst per channel.
N_WORST = 10
#: Frames read at once (one output chunk).
BLOCK_FRAMES = 64


def add_parser(subparsers: Any) -> None:
    """Registers ``report`` with the ``orbitwin`` command line."""
    p = subparsers.add_parser(
        "report",
        help="write plots and an HTML page about a run",
        description=(
            "Write PNG plots of a run (fleet statistics over time, distributions at the end, "
            "the worst satellites per channel, the event timeline) and one self-contained "
            "HTML page (index.html) that embeds them. Needs matplotlib "
            "(pip install 'orbitwin[viz]')."
        ),
    )
    p.add_argument("run", help="run file written by `orbitwin run` (HDF5)")
    p.add_argument("--out", help="output folder (default: <run name>_report beside the run)")
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    p.set_defaults(handler=run_report)


def run_report(args: argparse.Namespace) -> int:
    """Handler of ``orbitwin report``."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the installation
        print(
            f"orbitwin report needs matplotlib ({exc}); pip install 'orbitwin[viz]'",
            file=sys.stderr,
        )
        return EXIT_ERROR
    page = write_report(args.run, args.out)
    print(f"orbitwin report: wrote {page}")
    return 0


# ---- statistics (no plotting) ---------------------------------------------------------
def worst_is_low(field_: Field) -> bool:
    """Whether a low value is the bad one for ``field_`` (by its channel name)."""
    name = field_.key.split(":")[0].split("[")[0].lower().replace(".", "_")
    return any(token in name for token in LOW_IS_WORST)


@dataclass
class ChannelStats:
    """Fleet statistics of one field over a run."""

    field: Field
    percentiles: np.ndarray  # (n_frames, len(PERCENTILES)) shown units; flags: fraction
    last: np.ndarray  # (n_sat,) values at the last frame
    extreme: np.ndarray  # (n_sat,) worst value over the run per satellite (flags: frames set)
    extreme_frame: np.ndarray  # (n_sat,) frame of it (flags: first frame set; -1 none)
    low_is_worst: bool
    mean: np.ndarray = field(default_factory=lambda: np.empty(0))  # (n_frames,) fleet mean
    worst: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    @property
    def is_flag(self) -> bool:
        return self.field.integer


def fleet_percentiles(values: np.ndarray) -> np.ndarray:
    """Percentiles :data:`PERCENTILES` over satellites (axis 1) of (frames, n_sat)
    values, ignoring NaN; all-NaN frames give NaN."""
    v = np.asarray(values, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if np.isnan(v).any():
            return np.nanpercentile(v, PERCENTILES, axis=1).T
        return np.percentile(v, PERCENTILES, axis=1).T


def rank_worst(
    extreme: np.ndarray,
    low_is_worst: bool,
    n: int = N_WORST,
    tie_break: np.ndarray | None = None,
) -> np.ndarray:
    """Indices of the ``n`` worst satellites by their extreme value (NaN last); ties go
    by ``tie_break`` (e.g. the time mean: the longest in the bad range first)."""
    bad = np.inf if low_is_worst else -np.inf
    key = np.where(np.isfinite(extreme), extreme, bad)
    second = (
        np.zeros_like(key)
        if tie_break is None
        else np.where(np.isfinite(tie_break), tie_break, bad)
    )
    sign = 1.0 if low_is_worst else -1.0
    order = np.lexsort((sign * second, sign * key))
    return order[: min(n, order.size)]


def channel_stats(run: RunFile, field_: Field) -> ChannelStats:
    """Statistics of ``field_`` in one pass over the run, a chunk of frames at a time."""
    n_t, n_s = run.n_frames, run.n_satellites
    low = worst_is_low(field_)
    pct = np.full((n_t, len(PERCENTILES)), np.nan)
    mean = np.full(n_t, np.nan)
    extreme = np.full(n_s, np.nan)
    extreme_frame = np.full(n_s, -1, dtype=np.int64)
    count = np.zeros(n_s)
    total = np.zeros(n_s)  # sum over time of finite values
    finite = np.zeros(n_s)
    last = np.full(n_s, np.nan)
    for start in range(0, n_t, BLOCK_FRAMES):
        stop = min(start + BLOCK_FRAMES, n_t)
        v = field_.select(run.block(field_.variable, start, stop))  # (k, n_sat)
        if field_.integer:
            nz = np.nan_to_num(v) != 0
            pct[start:stop, :] = nz.mean(axis=1)[:, None]
            count += nz.sum(axis=0)
            first = np.where(nz.any(axis=0), start + np.argmax(nz, axis=0), -1)
            extreme_frame = np.where((extreme_frame < 0) & (first >= 0), first, extreme_frame)
        else:
            pct[start:stop] = fleet_percentiles(v)
            total += np.nansum(v, axis=0)
            finite += np.isfinite(v).sum(axis=0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                mean[start:stop] = np.nanmean(v, axis=1)
            filled = np.where(np.isfinite(v), v, np.inf if low else -np.inf)
            k = np.argmin(filled, axis=0) if low else np.argmax(filled, axis=0)
            block_ext = v[k, np.arange(n_s)]
            better = np.isfinite(block_ext) & (
                ~np.isfinite(extreme) | ((block_ext < extreme) if low else (block_ext > extreme))
            )
            extreme = np.where(better, block_ext, extreme)
            extreme_frame = np.where(better, start + k, extreme_frame)
        if stop == n_t:
            last = v[-1]
    if field_.integer:
        extreme = count
    stats = ChannelStats(field_, pct, last, extreme, extreme_frame, low, mean=mean)
    with np.errstate(invalid="ignore", divide="ignore"):
        time_mean = total / finite
    stats.worst = rank_worst(
        extreme, stats.low_is_worst, tie_break=None if field_.integer else time_mean
    )
    return stats


def report_fields(run: RunFile) -> list[Field]:
    """The fields a report shows: each channel once (reduced by max or norm)."""
    chosen = []
    for f in run.fields.values():
        if f.component is not None or f.reduction not in (None, "max", "norm"):
            continue
        if f.key.split(":")[0] in SKIP_CHANNELS:
            continue
        chosen.append(f)
    return chosen


# ---- plotting ---------------------------------------------------------------------------
def _time_axis(times_s: np.ndarray) -> tuple[np.ndarray, str]:
    span = float(times_s[-1] - times_s[0]) if times_s.size else 0.0
    if span > 3 * 86400:
        return times_s / 86400.0, "time since the epoch [d]"
    return times_s / 3600.0, "time since the epoch [h]"


def _unit(field_: Field) -> str:
    return "" if field_.units in ("", "1") else field_.units


def plot_channel(run: RunFile, stats: ChannelStats, path: Path) -> Path:
    """The three-panel card of one channel, written as PNG."""
    import matplotlib.pyplot as plt

    f = stats.field
    t, t_label = _time_axis(run.times_s)
    unit = _unit(f)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), gridspec_kw={"width_ratios": [2.2, 1, 2.2]})
    ax = axes[0]
    p = stats.percentiles
    if stats.is_flag:
        ax.plot(t, 100.0 * p[:, 0], color="C3", lw=1.5)
        ax.set_ylabel("satellites with a non-zero value [%]")
        ax.set_title("fleet over time: share of satellites set")
    else:
        ax.fill_between(t, p[:, 1], p[:, 5], color="C0", alpha=0.18, lw=0, label="5-95 %")
        ax.fill_between(t, p[:, 2], p[:, 4], color="C0", alpha=0.38, lw=0, label="25-75 %")
        ax.plot(t, p[:, 3], color="C0", lw=1.6, label="median")
        ax.plot(t, stats.mean, color="C1", lw=1.2, ls="--", label="mean")
        ax.plot(t, p[:, 0], color="0.35", lw=0.8, ls=":", label="min / max")
        ax.plot(t, p[:, 6], color="0.35", lw=0.8, ls=":")
        ax.set_ylabel(unit or "value")
        ax.set_title("fleet over time (percentiles over satellites)")
        ax.legend(loc="best", fontsize=8, frameon=False)
    ax.set_xlabel(t_label)

    ax = axes[1]
    last = stats.last[np.isfinite(stats.last)]
    if last.size:
        if stats.is_flag:
            vals, counts = np.unique(last.astype(np.int64), return_counts=True)
            keep = np.argsort(-counts)[:12]
            ax.bar([str(v) for v in vals[keep]], counts[keep], color="C3")
            ax.set_xlabel("value")
        else:
            ax.hist(last, bins=min(50, max(5, int(math.sqrt(last.size)))), color="C0")
            ax.set_xlabel(unit or "value")
    ax.set_ylabel("satellites")
    ax.set_title(f"at the end ({run.instant(run.n_frames - 1):%Y-%m-%d %H:%M} UTC)")

    ax = axes[2]
    worst = stats.worst[:5]
    if not stats.is_flag:
        ax.plot(t, p[:, 3], color="0.6", lw=2.5, label="fleet median")
    histories = run.histories(f, worst)
    for k, i in enumerate(worst):
        hist = histories[:, k]
        if stats.is_flag:
            hist = (np.nan_to_num(hist) != 0).astype(float) + 0.04 * k
        ax.plot(t, hist, lw=1.0, label=run.satellite_names[int(i)])
    ax.set_xlabel(t_label)
    ax.set_ylabel("set" if stats.is_flag else (unit or "value"))
    if stats.is_flag:
        direction = "fewest frames set" if stats.low_is_worst else "most frames set"
    else:
        direction = "lowest" if stats.low_is_worst else "highest"
    ax.set_title(f"worst satellites ({direction})")
    if len(worst):
        ax.legend(loc="best", fontsize=7, frameon=False, ncol=2)
    fig.suptitle(f"{f.long_name} — {f.key}" + (f" [{unit}]" if unit else ""), fontsize=12)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_events(run: RunFile, events: dict[str, np.ndarray], path: Path) -> Path:
    """Timeline of the events by kind (one row per kind, a tick per satellite event)."""
    import matplotlib.pyplot as plt

    kinds = sorted(set(events["kind"].tolist()))
    fig, ax = plt.subplots(figsize=(15, 1.2 + 0.45 * max(1, len(kinds))))
    t, t_label = _time_axis(np.asarray(events["time"], dtype=np.float64))
    span, _ = _time_axis(run.times_s)
    for k, kind in enumerate(kinds):
        sel = events["kind"] == kind
        ax.scatter(
            t[sel],
            np.full(int(sel.sum()), k),
            marker="|",
            s=260,
            color=f"C{k % 10}",
            label=f"{kind} ({int(sel.sum())})",
        )
    ax.set_yticks(range(len(kinds)), kinds)
    if span.size:
        ax.set_xlim(float(span[0]), float(span[-1]) or 1.0)
    ax.set_ylim(-0.7, len(kinds) - 0.3)
    ax.set_xlabel(t_label)
    ax.set_title(f"events ({events['kind'].size} rows, one per satellite)")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


# ---- the page ----------------------------------------------------------------------------
def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    name = html.escape(path.name)
    return (
        f'<a href="{name}"><img src="data:image/png;base64,{data}" alt="{name}" '
        'style="max-width:100%"></a>'
    )


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _worst_rows(run: RunFile, stats: ChannelStats) -> list[list[str]]:
    rows = []
    for rank, i in enumerate(stats.worst, start=1):
        i = int(i)
        fr = int(stats.extreme_frame[i])
        when = f"{run.times_s[fr] / 3600:.2f} h" if fr >= 0 else "-"
        if stats.is_flag:
            value = f"{int(stats.extreme[i])} frames"
        else:
            value = format_value(float(stats.extreme[i]), stats.field.units)
        fleet = run.fleet[i] if run.fleet else ""
        rows.append([str(rank), run.satellite_names[i], fleet, value, when])
    return rows


def write_report(
    run_path: str | os.PathLike[str], out: str | os.PathLike[str] | None = None
) -> Path:
    """Writes the PNG plots and ``index.html`` of a run into ``out``; returns the page."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    run_path = Path(run_path)
    out_dir = Path(out) if out is not None else run_path.with_name(run_path.stem + "_report")
    out_dir.mkdir(parents=True, exist_ok=True)
    with RunFile(run_path) as run:
        if run.n_frames == 0:
            raise ValueError(f"{run_path.name} has no recorded frames")
        sections = []
        fields = report_fields(run)
        toc = (
            "<p>"
            + " · ".join(
                f'<a href="#{html.escape(f.variable)}">{html.escape(f.key)}</a>' for f in fields
            )
            + ' · <a href="#events">events</a></p>'
        )
        for f in fields:
            stats = channel_stats(run, f)
            png = plot_channel(run, stats, out_dir / f"{f.variable}.png")
            header = [
                "#",
                "satellite",
                "fleet",
                "most extreme" if not stats.is_flag else "set",
                "at",
            ]
            sections.append(
                f'<h2 id="{html.escape(f.variable)}">{html.escape(f.long_name)} '
                f"<code>{html.escape(f.key)}</code></h2>\n{_img(png)}\n"
                f"<details><summary>worst {len(stats.worst)} satellites</summary>"
                f"{_table(header, _worst_rows(run, stats))}</details>"
            )
        events = run.events()
        if events["kind"].size:
            png = plot_events(run, events, out_dir / "events.png")
            rows = [
                [
                    f"{float(events['time'][k]) / 3600:.3f} h",
                    events["kind"][k],
                    events["satellite_name"][k] if events["satellite_name"].size else "",
                    events["details"][k] if events["details"].size else "",
                ]
                for k in range(min(200, events["kind"].size))
            ]
            ev_html = _img(png) + _table(["time", "kind", "satellite", "details"], rows)
            if events["kind"].size > 200:
                ev_html += f"<p>... and {events['kind'].size - 200} more rows.</p>"
        else:
            ev_html = "<p>No events were recorded in this run.</p>"
        meta = [
            ("scenario", run.attrs.get("scenario", "")),
            ("description", run.attrs.get("scenario_description", "")),
            ("epoch", run.attrs.get("epoch", "")),
            ("satellites", f"{run.n_satellites:,}"),
            ("frames", f"{run.n_frames:,} ({run.times_s[-1] / 3600:.2f} h simulated)"),
            (
                "step / output",
                f"{run.attrs.get('step_s', '')} s / {run.attrs.get('output_every_s', '')} s",
            ),
            ("seed", run.attrs.get("seed", "")),
            ("complete", "yes" if run.complete else "NO (partial file)"),
            ("orbitwin", run.attrs.get("orbitwin_version", "")),
            ("file", str(run_path)),
        ]
        title = f"orbitwin report: {run.attrs.get('scenario', run_path.stem)}"
    page = out_dir / "index.html"
    page.write_text(
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{_table(['', ''], meta)}{toc}"
        f'<h2 id="events">Events</h2>{ev_html}'
        f"{''.join(sections)}</body></html>\n",
        encoding="utf-8",
    )
    return page


_CSS = (
    "body{font-family:system-ui,sans-serif;margin:2em;max-width:1400px;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;"
    "font-size:90%;text-align:left}code{background:#f3f3f3;padding:0 4px}h2{margin-top:1.6em}"
)
