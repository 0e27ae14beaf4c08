"""Running a scenario end to end: step the twin, write HDF5, summarise.

The loop advances the core in batches of output frames (never per satellite
or per step in Python), hands each batch to the :class:`~orbitwin.output.RunWriter`
and to :class:`RunStats`, and shows progress. Ctrl-C stops cleanly: the file
stays readable up to the last flushed batch, as ``NAME.partial``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import __version__
from .async_output import OrderedWriter
from .checkpoint import Checkpoint, ResumeError, ResumePlan, plan_resume, state_digest
from .master import Simulation
from .output import RunWriter
from .progress import OptionalProgress
from .scenario import DEFAULT_CHANNELS, Scenario, ScenarioError, load_scenario_source
from .timeutil import NS_PER_S, duration_ns

#: Frames recorded by the core before they are drained to the file.
FRAMES_PER_BATCH = 64


@dataclass
class RunStats:
    """Fleet statistics accumulated batch by batch from recorded frames (vectorised)."""

    n_satellites: int
    frames: int = 0
    shadow_sum: np.ndarray | None = None  # per satellite, sum of (1 - illumination)
    altitude_min_m: float = np.inf
    altitude_max_m: float = -np.inf
    beta_abs_max_rad: float = 0.0
    invalid: np.ndarray | None = None  # per satellite: ever flagged without a valid orbit
    soc_min: float = np.inf  # lowest recorded battery state of charge
    junction_max_k: float = -np.inf  # hottest recorded accelerator junction [K]
    node_max_k: float = -np.inf  # hottest recorded thermal node [K]
    node_max_index: int = -1  # which node of the design

    def update(self, frames: Mapping[tuple[int, str], np.ndarray], offsets: list[int]) -> None:
        if self.shadow_sum is None:
            self.shadow_sum = np.zeros(self.n_satellites)
            self.invalid = np.zeros(self.n_satellites, dtype=bool)
        k = 0
        for (fi, channel), data in frames.items():
            off = offsets[fi]
            sl = slice(off, off + data.shape[1])
            k = data.shape[0]
            if channel == "sun.illumination":
                self.shadow_sum[sl] += np.nansum(1.0 - data, axis=0)
            elif channel == "orbit.altitude" and np.isfinite(data).any():
                self.altitude_min_m = min(self.altitude_min_m, float(np.nanmin(data)))
                self.altitude_max_m = max(self.altitude_max_m, float(np.nanmax(data)))
            elif channel == "sun.beta_angle" and np.isfinite(data).any():
                self.beta_abs_max_rad = max(self.beta_abs_max_rad, float(np.nanmax(np.abs(data))))
            elif channel == "status.flags":
                self.invalid[sl] |= (data & 1).any(axis=0).astype(bool)
            elif channel == "power.battery_soc" and np.isfinite(data).any():
                self.soc_min = min(self.soc_min, float(np.nanmin(data)))
            elif channel == "compute.junction_temperature" and np.isfinite(data).any():
                self.junction_max_k = max(self.junction_max_k, float(np.nanmax(data)))
            elif channel == "thermal.temperature" and np.isfinite(data).any():
                # Over frames, then satellites: one reduction over (frames,
                # satellites) at once runs along the short node axis, 17x slower.
                per_node = np.fmax.reduce(np.fmax.reduce(data, axis=0), axis=0)
                if float(per_node.max()) > self.node_max_k:
                    self.node_max_k = float(per_node.max())
                    self.node_max_index = int(per_node.argmax())
        self.frames += k

    @property
    def eclipse_fraction(self) -> float:
        """Mean over satellites of the fraction of recorded time in shadow."""
        if self.shadow_sum is None or self.frames == 0:
            return float("nan")
        return float(np.mean(self.shadow_sum) / self.frames)


@dataclass
class RunResult:
    path: Path
    complete: bool
    scenario: str
    n_satellites: int
    simulated_s: float
    wall_s: float
    timing: dict[str, float]
    satellite_steps: int
    stats: RunStats
    events: list = field(default_factory=list)
    final: dict[str, float] = field(default_factory=dict)
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def core_rate(self) -> float:
        """Satellite-steps per second of core time."""
        core = self.timing.get("core", 0.0)
        return self.satellite_steps / core if core > 0 else float("nan")


def run_scenario(
    scenario: Scenario,
    out: str | Path | None = None,
    *,
    threads: int = 1,
    duration: float | str | None = None,
    seed: int | None = None,
    progress: bool = True,
    resume: ResumePlan | None = None,
) -> RunResult:
    """Runs ``scenario`` to its end (or ``duration``), writing ``out`` (default
    ``out/<name>.h5``); returns what happened. KeyboardInterrupt propagates after
    the partial file is flushed and closed.

    With ``resume`` (from :func:`orbitwin.checkpoint.plan_resume`) the run replays
    the scenario up to the checkpoint without writing, checks the core's state
    against the checkpoint's digest, and appends to the partial file from there.
    """
    if seed is not None:
        if not isinstance(seed, int) or seed < 0:
            raise ScenarioError(f"seed is {seed!r}; allowed: a non-negative integer")
        scenario.seed = seed
    try:
        span_ns = duration_ns(duration if duration is not None else scenario.duration, "duration")
    except ValueError as exc:
        raise ScenarioError(str(exc)) from None
    if resume is not None:
        path = resume.path
    else:
        path = Path(out) if out is not None else Path("out") / f"{scenario.name}.h5"
    twin = scenario.build(threads=threads)
    offsets, fleets_meta = [], []
    total = 0
    for f in twin.fleets:
        offsets.append(total)
        total += f.size
        fleets_meta.append((f.name, f.names, f.plane))
    channel_info = {}
    for ch in dict.fromkeys(scenario.channels):
        missing = [f.name for f in twin.fleets if ch not in f.channels]
        if missing and ch in DEFAULT_CHANNELS:
            continue  # default channels are recorded where every fleet has them
        if missing:
            raise ScenarioError(
                f"scenario {scenario.name!r}: output channel {ch!r} does not exist in fleet "
                f"{missing[0]!r}; allowed: {', '.join(sorted(twin.fleet(missing[0]).channels))}"
            )
        channel_info[ch] = twin.fleets[0].channels[ch]
    recorded = tuple(channel_info)
    source, source_path = "", ""
    if scenario.source_path:
        source_path = str(Path(scenario.source_path).resolve())
        source = scenario.source_text or Path(scenario.source_path).read_text(encoding="utf-8")
    checkpoint = resume.checkpoint if resume is not None else None
    writer = RunWriter(
        path,
        epoch=twin.epoch,
        fleets=fleets_meta,
        channels=channel_info,
        attributes={
            "title": f"orbitwin run of scenario {scenario.name}",
            "scenario": scenario.name,
            "scenario_description": scenario.description,
            "scenario_source": source,
            "scenario_path": source_path,
            "scenario_parameters": json.dumps(scenario.parameters, sort_keys=True),
            "seed": scenario.seed,
            "orbitwin_version": __version__,
            "epoch": twin.epoch.iso,
            "step_s": twin.step_ns / NS_PER_S,
            "output_every_s": duration_ns(scenario.output_every) / NS_PER_S,
            "duration_s": span_ns / NS_PER_S,
            "threads": threads,
            **_design_attributes(scenario),
        },
        frames_per_chunk=FRAMES_PER_BATCH,
        stations=list(twin.stations),
        precision=scenario.output_precision,
        resume=checkpoint,
    )
    stats = RunStats(total)
    sim = Simulation(twin, seed=scenario.seed)
    output = OrderedWriter(max_pending=2)
    # With a core to spare, the writer overlaps the stepping; when the core's threads
    # take every core, a writer thread pre-empting one of them stalls the others at
    # their next barrier, so each batch is written (encoded on every core) before
    # the core goes on. Measured in B1 on 2 cores: writing cost 26-27 % of the wall
    # time overlapped, 11 % written between segments.
    overlap = (os.cpu_count() or 1) > threads
    sim._sync_output = output.wait
    replay_frames = checkpoint.frames if checkpoint is not None else 0
    seen = {"frames": 0, "batches": 0, "logged": checkpoint.log_entries if checkpoint else 0}
    wrote = {"s": 0.0}

    spare: list[dict[str, np.ndarray]] = []  # written batches' arrays, to be refilled

    def write_batch(times_ns, arrays, events, cp) -> None:
        t0 = time.perf_counter()
        counted = writer.workers.submit(stats.update, {(0, ch): a for ch, a in arrays.items()}, [0])
        writer.append(times_ns, arrays, events, cp)
        counted.result()
        spare.append(arrays)
        wrote["s"] += time.perf_counter() - t0

    def replayed_batch(arrays) -> None:
        stats.update({(0, ch): a for ch, a in arrays.items()}, [0])
        spare.append(arrays)

    def pending_events() -> list:
        new = sim.events[seen["logged"] :]
        seen["logged"] = len(sim.events)
        return new

    def sink(times_ns: np.ndarray, frames: Mapping[tuple[int, str], np.ndarray]) -> None:
        k = len(times_ns)
        seen["frames"] += k
        regular = k == FRAMES_PER_BATCH  # a full recorder: the core stopped at a fixed point
        seen["batches"] += int(regular)
        replaying = seen["frames"] <= replay_frames
        checkpointed = regular and not replaying
        # Without overlap the workers are idle here: the checkpoint's state digest
        # is hashed on one while this thread assembles the frames (both release
        # the GIL). The twin does not step until this function returns.
        digest = writer.workers.submit(state_digest, twin) if checkpointed and not overlap else None
        arrays = writer.assemble(frames, spare.pop() if spare else None)
        if replaying:
            if seen["frames"] == replay_frames:
                _check_replay(resume, twin, seen["batches"], len(sim.events))
            output.submit(replayed_batch, arrays)
            return
        cp = None
        if checkpointed:
            cp = Checkpoint(
                batches=seen["batches"],
                frames=seen["frames"],
                events=-1,  # the writer fills in its event rows
                log_entries=len(sim.events),
                time_ns=twin.time_ns,
                digest=digest.result() if digest is not None else state_digest(twin),
            )
        output.submit(write_batch, times_ns.copy(), arrays, pending_events(), cp)
        if not overlap:
            output.wait()

    every_ns = duration_ns(scenario.output_every)
    twin.record(
        every_ns / NS_PER_S,
        recorded,
        sink,
        capacity=FRAMES_PER_BATCH,
        precision=scenario.output_precision,
    )
    sim.progress_every_ns = every_ns * FRAMES_PER_BATCH
    for fn in scenario.processes:
        sim.process(fn(sim))
    wall0 = time.perf_counter()
    complete = False
    bar = _Progress(scenario.name, span_ns, total, enabled=progress)
    sim.on_advance = lambda tw: bar.update(tw.time_ns, tw.satellite_steps, tw.timing["core"])
    try:
        with bar:
            sim.run(span_ns)
            twin.flush()
            if seen["frames"] < replay_frames:
                raise ResumeError(
                    f"cannot resume {str(resume.partial)!r}: the replayed run ended after "
                    f"{seen['frames']} frames, before the checkpoint's {replay_frames}"
                )
            output.submit(write_batch, np.zeros(0, np.int64), {}, pending_events(), None)
            output.close()
        complete = True
    finally:
        if not complete:
            _flush_quietly(twin)
            _flush_quietly(
                lambda: output.submit(
                    write_batch, np.zeros(0, np.int64), {}, pending_events(), None
                )
            )
            _flush_quietly(output.close)
        writer.set_attributes({"wall_s": time.perf_counter() - wall0})
        if resume is not None:
            writer.set_attributes({"orbitwin_resumed_at_frame": replay_frames})
        final = writer.close(complete)
    raw, stored = writer.write_figures
    timing = dict(twin.timing)
    timing["write"] = wrote["s"]
    return RunResult(
        path=final,
        complete=complete,
        scenario=scenario.name,
        n_satellites=total,
        simulated_s=twin.time_ns / NS_PER_S,
        wall_s=time.perf_counter() - wall0,
        timing=timing,
        satellite_steps=twin.satellite_steps,
        stats=stats,
        events=list(sim.events),
        final=final_summary(twin),
        extra={"telemetry_bytes": float(raw), "stored_bytes": float(stored)},
    )


def resume_run(file: str | Path, *, threads: int = 1, progress: bool = True) -> RunResult:
    """Continues the interrupted run in ``file`` (``NAME.partial``, or ``NAME`` when
    only the partial file exists) from its last checkpoint, with the scenario
    text, parameters, seed and duration stored in it; returns what happened.
    Raises :class:`~orbitwin.checkpoint.ResumeError` when the file cannot be
    resumed or the replay does not reach the checkpoint's state."""
    from .params import overriding

    plan = plan_resume(file)
    with overriding(plan.parameters):
        scenario = load_scenario_source(plan.scenario_source, plan.scenario_path or "scenario.py")
    scenario.parameters = dict(plan.parameters)
    return run_scenario(
        scenario,
        threads=threads,
        duration=plan.duration_s,
        seed=plan.seed,
        progress=progress,
        resume=plan,
    )


def _check_replay(resume: ResumePlan | None, twin, batches: int, log_entries: int) -> None:
    """Raises :class:`ResumeError` unless the replay reached the checkpoint's state."""
    assert resume is not None
    cp = resume.checkpoint
    digest = state_digest(twin)
    if (batches, log_entries, twin.time_ns, digest) != (
        cp.batches,
        cp.log_entries,
        cp.time_ns,
        cp.digest,
    ):
        raise ResumeError(
            f"cannot resume {str(resume.partial)!r}: replaying the scenario to its checkpoint "
            f"(frame {cp.frames}, {cp.time_ns / NS_PER_S:.0f} s) gave another state (core "
            f"digest {digest}, expected {cp.digest}; {log_entries} log entries, expected "
            f"{cp.log_entries}); the scenario, its data files or orbitwin changed since the "
            "run was written; allowed: resuming with what wrote it, or starting the run anew"
        )


def _design_attributes(scenario: Scenario) -> dict[str, str]:
    """Each fleet's design, radiation configuration and orbit source as JSON attributes
    (``fleet_<name>_design`` ...), so a run file says what was flown."""
    import dataclasses
    import json

    out: dict[str, str] = {}
    for spec in scenario.fleets:
        for key, obj in (("design", spec.design), ("radiation", spec.radiation)):
            if obj is not None and dataclasses.is_dataclass(obj):
                out[f"fleet_{spec.name}_{key}"] = json.dumps(dataclasses.asdict(obj), default=str)
        out[f"fleet_{spec.name}_orbits"] = type(spec.orbits).__name__
    return out


def final_summary(twin) -> dict[str, float]:
    """Fleet-wide totals from the twin's cumulative state at the end of a run
    (vectorised over satellites): compute delivered, time throttled, dose, upsets."""
    out: dict[str, float] = {}

    def total(channel: str) -> np.ndarray:
        parts = [
            np.asarray(f.state(channel), dtype=np.float64)
            for f in twin.fleets
            if channel in f.channels
        ]
        return np.concatenate(parts) if parts else np.zeros(0)

    work = total("compute.work_ops")
    if work.size:
        span = twin.time_ns / NS_PER_S
        out["compute_delivered_ops"] = float(np.nansum(work))
        out["compute_satellites"] = float(work.size)
        out["throttled_fraction"] = (
            float(np.nanmean(total("compute.throttled_time"))) / span if span > 0 else 0.0
        )
        out["off_fraction"] = (
            float(np.nanmean(total("compute.off_time"))) / span if span > 0 else 0.0
        )
        out["payload_energy_j"] = float(np.nansum(total("compute.energy")))
        gen = total("data.generated")
        if gen.size and np.nansum(gen) > 0:
            out["data_generated_bits"] = float(np.nansum(gen))
            out["data_downlinked_bits"] = float(np.nansum(total("data.downlinked")))
    soc = total("power.battery_soc")
    if soc.size:
        out["soc_final_min"] = float(np.nanmin(soc))
    dose = total("radiation.dose")
    if dose.size:
        out["dose_max_gy"] = float(np.nanmax(dose))
        out["dose_mean_gy"] = float(np.nanmean(dose))
        out["upsets"] = float(np.nansum(total("radiation.upsets")))
        out["functional_interrupts"] = float(np.nansum(total("radiation.functional_interrupts")))
        out["latchups"] = float(np.nansum(total("radiation.latchups")))
    return out


def _flush_quietly(target) -> None:
    """Flushes a twin (or calls a function) while unwinding; what was already
    flushed is kept whatever happens here."""
    try:
        if hasattr(target, "flush"):
            target.flush()
        else:
            target()
    except Exception:  # noqa: BLE001
        pass


class _Progress(OptionalProgress):
    """A rich progress bar over simulated time, with satellite-steps per second."""

    def __init__(self, name: str, span_ns: int, n_sat: int, enabled: bool) -> None:
        self.enabled = enabled
        self.span_ns = span_ns
        self._progress = None
        if enabled:
            from rich.progress import (
                BarColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                TextColumn("{task.fields[sim]}"),
                TextColumn("{task.fields[rate]}"),
                TimeRemainingColumn(),
                transient=False,
            )
            self._task = self._progress.add_task(name, total=span_ns, sim="", rate="")

    def update(self, t_ns: int, sat_steps: int, core_s: float) -> None:
        if self._progress is None:
            return
        hours = t_ns / NS_PER_S / 3600.0
        rate = sat_steps / core_s / 1e6 if core_s > 0 else 0.0
        self._progress.update(
            self._task,
            completed=t_ns,
            sim=f"{hours:7.2f} h simulated",
            rate=f"{rate:6.1f} M sat-steps/s",
        )
