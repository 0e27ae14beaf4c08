"""Batch runs: parameter sweeps and Monte Carlo over a scenario, on local
processes or a Dask cluster.

``orbitwin sweep SPEC.toml`` expands a sweep spec into runs, runs each one as
an ordinary scenario run (one HDF5 file per run) and writes one row per run to
a summary table as it goes. A spec::

    [sweep]
    scenario = "../walker_design.py"   # base scenario script, relative to this file
    name = "walker-altitude"           # default: the spec file's stem
    seeds = [1, 2]                     # or {start = 0, count = 8}; default: the scenario's
    samples = 4                        # Monte Carlo draws (needed with [random])
    sample_seed = 7                    # seeds the draws (default 0)

    [set]                              # the same for every run
    duration = "30min"
    planes = 3

    [grid]                             # every combination
    altitude_km = [450, 550, 650]      # or {start = 450, stop = 650, num = 3}

    [random]                           # drawn once per sample
    inclination_deg = { dist = "uniform", low = 40, high = 70 }

Runs are the product grid x samples x seeds. Monte Carlo draws are keyed by
``(sample_seed, parameter, sample)`` (a counter-based generator), so sample k
has the same draws at every grid point and adding a parameter changes no other
draw. Distributions: ``uniform`` (low, high), ``loguniform`` (low, high > 0),
``normal`` (mean, std), ``randint`` (low, high, both included) and ``choice``
(values, optional weights).

**How parameters reach the scenario.** A name in ``[set]``, ``[grid]`` or
``[random]`` is either a scenario field (``epoch``, ``duration``, ``step``,
``output_every``), set on the loaded :class:`~orbitwin.scenario.Scenario`, or a
parameter the script declares with :func:`orbitwin.params.parameters`, whose
call returns the run's value while the sweep loads the script (see
:mod:`orbitwin.params`). The seed is swept with ``seeds``. Anything else is an
error naming the parameter and what is allowed. A value takes the type of
the script's default (``planes = 3.0`` is the int 3; ``2.5`` is an error).

**Output** (``--out DIR``, default ``out/sweeps/<name>``): ``runs/<run_id>.h5``
per run (its parameters in the attribute ``sweep_parameters``, JSON),
``summary.csv`` (columns ``run_id, status, seed, wall_s, error, path`` (relative
to DIR), then parameters, then metrics, which all contain a dot; see
:mod:`orbitwin.metrics`), ``sweep.json`` (every run of the spec with its
parameters) and ``runs/<run_id>.error.txt`` (traceback of a failed run). The
run id is a stable hash of the scenario name, every parameter value and the
seed. ``pandas.read_csv(DIR/summary.csv)`` or :func:`read_summary` reads the table.

**Engines.** Local processes by default (``--jobs N``, default one per core,
a ``ProcessPoolExecutor`` on forkserver or spawn); ``--dask ADDRESS`` runs on
an existing Dask distributed scheduler (the output directory must be on a
filesystem the workers share) and ``--dask local`` starts a ``LocalCluster``;
``--serial`` runs in this process (for debugging). A run gets ``--threads``
core threads (default 1); results never depend on threads or engine.

**Robustness.** A run that raises is recorded as ``failed`` with its error and
the sweep goes on; when a worker process dies (segfault, OOM killer) the runs
it shared the pool with run again one at a time, so only the run that kills
its worker is recorded as failed. Running
the same sweep again skips finished runs (``ok`` with its file present, and
``failed`` unless ``--retry-failed``). Ctrl-C stops the workers, keeps every
finished row and exits 130; run the command again to go on.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import itertools
import json
import math
import multiprocessing
import os
import signal
import sys
import time
import traceback
import uuid
import zlib
from collections import deque
from collections.abc import Collection, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .params import coerce, load_with_parameters
from .progress import OptionalProgress
from .scenario import ScenarioError

#: Scenario fields a sweep may set (the seed is swept with ``seeds``).
SCENARIO_FIELDS: tuple[str, ...] = ("epoch", "duration", "step", "output_every")
#: Columns every summary row has, before parameters and metrics.
FIXED_COLUMNS: tuple[str, ...] = ("run_id", "status", "seed", "wall_s", "error", "path")
#: Distributions of ``[random]`` and their arguments (required, optional).
DISTRIBUTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "uniform": (("low", "high"), ()),
    "loguniform": (("low", "high"), ()),
    "normal": (("mean", "std"), ()),
    "randint": (("low", "high"), ()),
    "choice": (("values",), ("weights",)),
}
_SWEEP_KEYS = ("scenario", "name", "out", "description", "seeds", "samples", "sample_seed")
_TABLES = ("sweep", "set", "grid", "random")
SUMMARY_FILE = "summary.csv"
EXIT_RUNS_FAILED = 1


class SweepSpecError(ScenarioError):
    """A sweep spec that cannot be run: the message names the file, field and value."""


# ---- the spec ---------------------------------------------------------------------


@dataclass(frozen=True)
class RunTask:
    """One run of a sweep: everything a worker needs (picklable)."""

    run_id: str
    sweep: str
    scenario_path: str
    values: dict[str, Any]  #: every parameter of the run, in column order
    fields: dict[str, Any]  #: the scenario fields among them
    parameters: dict[str, Any]  #: the script parameters among them
    seed: int
    out_path: str
    threads: int = 1


@dataclass
class RunOutcome:
    """What a run gave: ``status`` is ``"ok"`` or ``"failed"`` (with ``error``)."""

    run_id: str
    status: str
    seed: int
    values: dict[str, Any]
    wall_s: float
    path: str = ""
    error: str = ""
    metrics: dict[str, float] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "run_id": self.run_id,
            "status": self.status,
            "seed": self.seed,
            "wall_s": round(self.wall_s, 4),
            "error": " ".join(self.error.split()),
            "path": self.path,
        }
        row.update(self.values)
        row.update(self.metrics)
        return row


@dataclass
class SweepSpec:
    """A parsed, validated sweep spec (see the module docstring for the format)."""

    path: Path
    name: str
    scenario: Path
    scenario_name: str
    declared: dict[str, Any]  #: the script's parameters and defaults
    fixed: dict[str, Any] = field(default_factory=dict)
    grid: dict[str, list[Any]] = field(default_factory=dict)
    random: dict[str, dict[str, Any]] = field(default_factory=dict)
    samples: int = 1
    sample_seed: int = 0
    seeds: list[int] = field(default_factory=list)
    out: Path | None = None
    description: str = ""

    @property
    def parameter_names(self) -> list[str]:
        return [*self.fixed, *self.grid, *self.random]

    def default_out(self) -> Path:
        return self.out if self.out is not None else Path("out") / "sweeps" / self.name

    def runs(
        self, out_dir: str | os.PathLike[str] | None = None, threads: int = 1
    ) -> list[RunTask]:
        """Every run of the sweep, in order: grid (last name fastest) x samples x seeds."""
        out = Path(out_dir) if out_dir is not None else self.default_out()
        names = list(self.grid)
        tasks = []
        for point in itertools.product(*(self.grid[n] for n in names)):
            for k in range(self.samples):
                drawn = {n: _draw(n, d, k, self.sample_seed) for n, d in self.random.items()}
                values = {**self.fixed, **dict(zip(names, point, strict=True)), **drawn}
                values = {n: self._coerce(n, v, "[random]") for n, v in values.items()}
                for seed in self.seeds:
                    rid = run_id(self.scenario_name, values, seed)
                    tasks.append(
                        RunTask(
                            run_id=rid,
                            sweep=self.name,
                            scenario_path=str(self.scenario),
                            values=values,
                            fields={n: v for n, v in values.items() if n in SCENARIO_FIELDS},
                            parameters={
                                n: v for n, v in values.items() if n not in SCENARIO_FIELDS
                            },
                            seed=seed,
                            out_path=str(out / "runs" / f"{rid}.h5"),
                            threads=threads,
                        )
                    )
        return tasks

    def _coerce(self, name: str, value: Any, where: str) -> Any:
        if name in SCENARIO_FIELDS:
            if name == "epoch":
                ok = isinstance(value, str)
                allowed = "an ISO 8601 UTC time string"
            else:
                ok = isinstance(value, str | int | float) and not isinstance(value, bool)
                allowed = "seconds or a duration string such as '90min'"
            if not ok:
                raise SweepSpecError(
                    f"sweep spec {str(self.path)!r}: {where} {name} is {value!r}; "
                    f"allowed: {allowed}"
                )
            return value
        try:
            return coerce(name, value, self.declared[name])
        except ScenarioError as exc:
            raise SweepSpecError(f"sweep spec {str(self.path)!r}: {where} {exc}") from None


def run_id(scenario_name: str, values: Mapping[str, Any], seed: int) -> str:
    """A stable id of a run: a hash of the scenario name, parameter values and seed."""
    canon = json.dumps(
        {"scenario": scenario_name, "parameters": dict(values), "seed": int(seed)},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canon.encode()).hexdigest()[:16]


def _draw(name: str, dist: Mapping[str, Any], k: int, sample_seed: int) -> Any:
    key = np.random.SeedSequence([sample_seed, zlib.crc32(name.encode()), k])
    rng = np.random.Generator(np.random.Philox(key))
    kind = dist["dist"]
    if kind == "uniform":
        return float(rng.uniform(dist["low"], dist["high"]))
    if kind == "loguniform":
        return float(math.exp(rng.uniform(math.log(dist["low"]), math.log(dist["high"]))))
    if kind == "normal":
        return float(rng.normal(dist["mean"], dist["std"]))
    if kind == "randint":
        return int(rng.integers(dist["low"], dist["high"], endpoint=True))
    values = dist["values"]
    weights = dist.get("weights")
    p = None if weights is None else np.asarray(weights, float) / float(np.sum(weights))
    return values[int(rng.choice(len(values), p=p))]


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ModuleNotFoundError:
            raise SweepSpecError(
                "reading a sweep spec on Python 3.10 needs the 'tomli' package"
            ) from None
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise SweepSpecError(f"sweep spec {str(path)!r}: not valid TOML: {exc}") from None


def load_spec(path: str | os.PathLike[str]) -> SweepSpec:
    """Reads and validates a sweep spec; loads its base scenario once (with its
    defaults) to learn the parameters it declares. Raises :class:`SweepSpecError`."""
    p = Path(path)
    if not p.is_file():
        raise SweepSpecError(f"sweep spec {str(p)!r} does not exist")
    doc = _read_toml(p)
    where = f"sweep spec {str(p)!r}"

    def fail(msg: str) -> SweepSpecError:
        return SweepSpecError(f"{where}: {msg}")

    for key, value in doc.items():
        if key not in _TABLES:
            raise fail(f"table [{key}] is unknown; allowed: {', '.join(f'[{t}]' for t in _TABLES)}")
        if not isinstance(value, dict):
            raise fail(f"[{key}] is {value!r}; allowed: a table")
    head = doc.get("sweep", {})
    for key in head:
        if key not in _SWEEP_KEYS:
            raise fail(f"[sweep] {key} is unknown; allowed: {', '.join(_SWEEP_KEYS)}")
    if "scenario" not in head:
        raise fail("[sweep] scenario is missing; allowed: the path of a scenario script")
    if not isinstance(head["scenario"], str):
        raise fail(f"[sweep] scenario is {head['scenario']!r}; allowed: a path string")
    scenario_path = (p.parent / head["scenario"]).resolve()
    if not scenario_path.is_file():
        raise fail(
            f"[sweep] scenario {head['scenario']!r} does not exist "
            f"(looked for {str(scenario_path)!r}, relative to the spec file)"
        )
    name = head.get("name", p.stem)
    if not isinstance(name, str) or not name or "/" in name:
        raise fail(f"[sweep] name is {name!r}; allowed: a non-empty string without '/'")
    try:
        base, declared, _ = load_with_parameters(scenario_path)
    except ScenarioError as exc:
        raise fail(f"base scenario: {exc}") from None
    spec = SweepSpec(
        path=p,
        name=name,
        scenario=scenario_path,
        scenario_name=base.name,
        declared=declared,
        description=str(head.get("description", "")),
        out=(p.parent / head["out"]) if "out" in head else None,
    )
    allowed_names = (
        f"scenario fields {', '.join(SCENARIO_FIELDS)}; parameters declared by "
        f"{scenario_path.name}: {', '.join(declared) or 'none'}"
    )
    seen: dict[str, str] = {}
    for table in ("set", "grid", "random"):
        for pname, value in doc.get(table, {}).items():
            if pname == "seed":
                raise fail(f"[{table}] seed: sweep seeds with seeds = [...] in [sweep]")
            if pname not in SCENARIO_FIELDS and pname not in declared:
                raise fail(f"[{table}] parameter {pname!r} is unknown; allowed: {allowed_names}")
            if pname in FIXED_COLUMNS or "." in pname:
                raise fail(f"[{table}] parameter {pname!r} clashes with a summary column")
            if pname in seen:
                raise fail(f"parameter {pname!r} is in both [{seen[pname]}] and [{table}]")
            seen[pname] = table
            if table == "set":
                spec.fixed[pname] = spec._coerce(pname, value, "[set]")
            elif table == "grid":
                spec.grid[pname] = [
                    spec._coerce(pname, v, "[grid]") for v in _grid_values(pname, value, fail)
                ]
            else:
                spec.random[pname] = _check_dist(pname, value, declared, fail, spec)
    spec.samples = _int_field(head, "samples", 1, 1, fail)
    if spec.random and "samples" not in head:
        raise fail("[random] needs samples = N in [sweep] (how many Monte Carlo draws)")
    spec.sample_seed = _int_field(head, "sample_seed", 0, 0, fail)
    spec.seeds = _seeds(head.get("seeds"), base.seed, fail)
    return spec


def _int_field(head: Mapping[str, Any], key: str, default: int, low: int, fail) -> int:
    value = head.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise fail(f"[sweep] {key} is {value!r}; allowed: a whole number >= {low}")
    return value


def _seeds(value: Any, base_seed: int, fail) -> list[int]:
    if value is None:
        return [base_seed]
    if isinstance(value, dict):
        extra = set(value) - {"start", "count"}
        start, count = value.get("start", 0), value.get("count")
        if extra or not isinstance(start, int) or not isinstance(count, int) or count < 1:
            raise fail(
                f"[sweep] seeds is {value!r}; allowed: a list of seeds or "
                "{start = S, count = N} with N >= 1"
            )
        seeds = list(range(start, start + count))
    elif isinstance(value, list) and value:
        seeds = value
    else:
        raise fail(
            f"[sweep] seeds is {value!r}; allowed: a non-empty list of seeds or {{count = N}}"
        )
    for s in seeds:
        if not isinstance(s, int) or isinstance(s, bool) or s < 0:
            raise fail(f"[sweep] seed {s!r}; allowed: non-negative whole numbers")
    if len(set(seeds)) != len(seeds):
        raise fail(f"[sweep] seeds {seeds!r} repeat a seed; allowed: distinct seeds")
    return list(seeds)


def _grid_values(name: str, value: Any, fail) -> list[Any]:
    if isinstance(value, list):
        if not value:
            raise fail(f"[grid] {name} is an empty list; allowed: one value or more")
        return value
    if isinstance(value, dict):
        keys = set(value)
        if keys == {"start", "stop", "num"}:
            start, stop, num = value["start"], value["stop"], value["num"]
            if isinstance(num, int) and num >= 1 and _real(start) and _real(stop):
                out = np.linspace(start, stop, num).tolist()
                whole = all(isinstance(x, int) for x in (start, stop))
                return [int(round(x)) if whole and float(x).is_integer() else x for x in out]
        elif keys == {"start", "stop", "step"}:
            start, stop, step = value["start"], value["stop"], value["step"]
            if _real(start) and _real(stop) and _real(step) and step > 0 and stop >= start:
                n = int(math.floor((stop - start) / step + 1e-9)) + 1
                return [start + i * step for i in range(n)]
    raise fail(
        f"[grid] {name} is {value!r}; allowed: a list of values, {{start, stop, num}} "
        "(num >= 1) or {start, stop, step} (step > 0, stop >= start)"
    )


def _real(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _check_dist(name: str, value: Any, declared: Mapping[str, Any], fail, spec) -> dict[str, Any]:
    if not isinstance(value, dict) or "dist" not in value:
        raise fail(
            f"[random] {name} is {value!r}; allowed: a table such as "
            '{dist = "uniform", low = 1.0, high = 2.0}'
        )
    kind = value["dist"]
    if kind not in DISTRIBUTIONS:
        raise fail(
            f"[random] {name}: dist {kind!r} is unknown; allowed: {', '.join(DISTRIBUTIONS)}"
        )
    required, optional = DISTRIBUTIONS[kind]
    args = {k: v for k, v in value.items() if k != "dist"}
    missing = [k for k in required if k not in args]
    extra = [k for k in args if k not in required + optional]
    if missing or extra:
        raise fail(
            f"[random] {name}: {kind} takes {', '.join(required + optional)}; "
            f"got {', '.join(args) or 'nothing'}"
        )
    default = declared.get(name)
    if kind == "choice":
        values, weights = args["values"], args.get("weights")
        if not isinstance(values, list) or not values:
            raise fail(f"[random] {name}: choice values is {values!r}; allowed: a non-empty list")
        args["values"] = [spec._coerce(name, v, "[random]") for v in values]
        if weights is not None and not (
            isinstance(weights, list)
            and len(weights) == len(values)
            and all(_real(w) and w >= 0 for w in weights)
            and sum(weights) > 0
        ):
            raise fail(
                f"[random] {name}: choice weights is {weights!r}; allowed: {len(values)} "
                "non-negative numbers, not all zero"
            )
        return {"dist": kind, **args}
    for k in required:
        if not _real(args[k]):
            raise fail(f"[random] {name}: {kind} {k} is {args[k]!r}; allowed: a finite number")
    if name in SCENARIO_FIELDS and name == "epoch":
        raise fail(f"[random] {name}: allowed only with dist = 'choice'")
    if kind == "randint":
        if not all(isinstance(args[k], int) for k in required) or args["low"] > args["high"]:
            raise fail(
                f"[random] {name}: randint low/high are {args['low']!r}/{args['high']!r}; "
                "allowed: whole numbers, low <= high"
            )
        if isinstance(default, str | bool):
            raise fail(f"[random] {name}: randint draws numbers; {name} is {default!r}")
    else:
        if isinstance(default, bool | str) or (
            isinstance(default, int) and not isinstance(default, bool)
        ):
            raise fail(
                f"[random] {name}: {kind} draws real numbers but {name} is "
                f"{type(default).__name__} (default {default!r}); allowed: randint or choice"
            )
        if kind in ("uniform", "loguniform") and not args["low"] < args["high"]:
            raise fail(
                f"[random] {name}: {kind} low {args['low']!r} and high {args['high']!r}; "
                "allowed: low < high"
            )
        if kind == "loguniform" and args["low"] <= 0:
            raise fail(f"[random] {name}: loguniform low is {args['low']!r}; allowed: > 0")
        if kind == "normal" and args["std"] < 0:
            raise fail(f"[random] {name}: normal std is {args['std']!r}; allowed: >= 0")
    return {"dist": kind, **args}


# ---- one run (in a worker) --------------------------------------------------------


def execute_run(task: RunTask) -> RunOutcome:
    """Runs one task and measures it; never raises for a failing run (the outcome
    says ``failed`` and why; the traceback goes to ``<run_id>.error.txt``)."""
    from .metrics import file_metrics, run_metrics
    from .run import run_scenario

    t0 = time.perf_counter()
    out = Path(task.out_path)
    error_file = out.with_name(f"{task.run_id}.error.txt")
    try:
        scenario, _, _ = load_with_parameters(task.scenario_path, task.parameters)
        for name, value in task.fields.items():
            setattr(scenario, name, value)
        scenario.validate()
        result = run_scenario(scenario, out, threads=task.threads, seed=task.seed, progress=False)
        if not result.complete:
            raise RuntimeError(f"run stopped early at {result.simulated_s} s")
        _tag_file(result.path, task)
        metrics = run_metrics(result)
        metrics.update(file_metrics(result.path))
        error_file.unlink(missing_ok=True)
        return RunOutcome(
            task.run_id,
            "ok",
            task.seed,
            task.values,
            time.perf_counter() - t0,
            path=f"runs/{Path(result.path).name}",
            metrics=metrics,
        )
    except Exception as exc:  # noqa: BLE001 - a failed run is a result
        try:
            error_file.parent.mkdir(parents=True, exist_ok=True)
            error_file.write_text(traceback.format_exc(), encoding="utf-8")
        except OSError:
            pass
        return RunOutcome(
            task.run_id,
            "failed",
            task.seed,
            task.values,
            time.perf_counter() - t0,
            error=f"{type(exc).__name__}: {exc}",
        )


def _tag_file(path: Path, task: RunTask) -> None:
    import h5py

    with h5py.File(path, "a") as f:
        f.attrs["sweep"] = task.sweep
        f.attrs["sweep_run_id"] = task.run_id
        f.attrs["sweep_parameters"] = json.dumps(task.values, sort_keys=True)


def _failed(task: RunTask, error: str) -> RunOutcome:
    return RunOutcome(task.run_id, "failed", task.seed, task.values, 0.0, error=error)


# ---- engines ----------------------------------------------------------------------


class Engine(Protocol):
    """Runs tasks and yields their outcomes as they finish; closing the iterator
    early (Ctrl-C) stops the runs still going."""

    def run(self, tasks: Sequence[RunTask]) -> Iterator[RunOutcome]: ...


class SerialEngine:
    """Runs every task in this process, one after the other (for debugging)."""

    def run(self, tasks: Sequence[RunTask]) -> Iterator[RunOutcome]:
        for task in tasks:
            yield execute_run(task)


_DIED = "worker process died during the run (a crash in the core, or out of memory)"


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class ProcessEngine:
    """Local worker processes (forkserver where available, else spawn). Workers
    ignore SIGINT: the driver handles Ctrl-C and stops them. When a worker dies
    (a segfault, the OOM killer), the runs it shared the pool with are run
    again one at a time, so only the run that kills its worker is failed."""

    def __init__(self, jobs: int) -> None:
        if jobs < 1:
            raise ValueError(f"jobs is {jobs}; allowed: 1 or more")
        self.jobs = jobs
        self.pool: ProcessPoolExecutor | None = None  #: the pool while running
        methods = multiprocessing.get_all_start_methods()
        method = "forkserver" if "forkserver" in methods else "spawn"
        self.context = multiprocessing.get_context(method)

    def _pool(self) -> ProcessPoolExecutor:
        self.pool = ProcessPoolExecutor(
            self.jobs, mp_context=self.context, initializer=_ignore_sigint
        )
        return self.pool

    def run(self, tasks: Sequence[RunTask]) -> Iterator[RunOutcome]:
        queue = deque(tasks)
        suspects: deque[RunTask] = deque()  # in flight when a worker died
        inflight: dict[Future, RunTask] = {}
        pool = self._pool()
        finished = False
        try:
            while queue or suspects or inflight:
                if suspects:
                    # Run each suspect alone, so a crash names its run.
                    if not inflight:
                        task = suspects.popleft()
                        inflight[pool.submit(execute_run, task)] = task
                else:
                    while queue and len(inflight) < 2 * self.jobs:
                        task = queue.popleft()
                        inflight[pool.submit(execute_run, task)] = task
                done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                broken: list[RunTask] = []
                for fut in done:
                    task = inflight.pop(fut)
                    try:
                        outcome = fut.result()
                    except BrokenProcessPool:
                        broken.append(task)
                        continue
                    except Exception as exc:  # noqa: BLE001 - e.g. a task that cannot pickle
                        outcome = _failed(task, f"{type(exc).__name__}: {exc}")
                    yield outcome
                if broken:
                    broken.extend(inflight.values())
                    inflight.clear()
                    pool.shutdown(wait=False, cancel_futures=True)
                    pool = self._pool()
                    if len(broken) == 1:
                        yield _failed(broken[0], _DIED)
                    else:
                        suspects.extend(broken)
            finished = True
        finally:
            if finished:
                pool.shutdown(wait=True)
            else:
                _stop_pool(pool)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancels what has not started and terminates the workers (Ctrl-C)."""
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in processes:
        if p.is_alive():
            p.terminate()
    for p in processes:
        p.join(timeout=5)


class DaskEngine:
    """A Dask distributed cluster: ``address`` of a running scheduler
    (``tcp://host:8786``), or ``"local"`` for a ``LocalCluster`` of ``jobs``
    single-threaded worker processes that lives as long as the sweep."""

    def __init__(self, address: str, jobs: int) -> None:
        try:
            import dask.distributed  # noqa: F401
        except ImportError:
            raise ValueError(
                f"--dask {address} needs dask.distributed, which is not installed; "
                "allowed: install it with pip install 'orbitwin[dask]', or run without --dask"
            ) from None
        self.address = address
        self.jobs = jobs

    def _client(self):
        from dask.distributed import Client, LocalCluster

        if self.address == "local":
            cluster = LocalCluster(
                n_workers=self.jobs,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=40,
            )
            return Client(cluster), cluster
        try:
            return Client(self.address, timeout="15s"), None
        except (OSError, TimeoutError) as exc:
            raise ValueError(
                f"--dask {self.address}: cannot reach the Dask scheduler ({exc}); allowed: the "
                "address of a running scheduler such as tcp://host:8786, or 'local'"
            ) from None

    def run(self, tasks: Sequence[RunTask]) -> Iterator[RunOutcome]:
        # Connect now, so a bad address is reported before any progress bar.
        client, cluster = self._client()
        return self._outcomes(client, cluster, tasks)

    def _outcomes(self, client, cluster, tasks: Sequence[RunTask]) -> Iterator[RunOutcome]:
        from dask.distributed import as_completed

        token = uuid.uuid4().hex[:8]
        futures = []
        finished = False
        try:
            by_key = {}
            for task in tasks:
                fut = client.submit(
                    execute_run, task, key=f"orbitwin-run-{task.run_id}-{token}", pure=False
                )
                futures.append(fut)
                by_key[fut.key] = task
            for fut in as_completed(futures):
                try:
                    yield fut.result()
                except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker
                    yield _failed(by_key[fut.key], f"dask: {type(exc).__name__}: {exc}")
            finished = True
        finally:
            if not finished and futures:
                try:
                    client.cancel(futures)
                except Exception:  # noqa: BLE001
                    pass
            client.close()
            if cluster is not None:
                cluster.close()


def make_engine(dask: str | None = None, jobs: int | None = None, serial: bool = False) -> Engine:
    """The engine for these options (local processes unless ``dask`` or ``serial``)."""
    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    if serial:
        return SerialEngine()
    if dask:
        return DaskEngine(dask, jobs)
    return ProcessEngine(jobs)


# ---- the summary table ------------------------------------------------------------


class SummaryTable:
    """The CSV summary: one row per finished run, appended, flushed and synced per
    run. When a row brings new columns the file is rewritten (atomically) with
    the wider header."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.header: list[str] = []
        self.rows: list[dict[str, str]] = []
        if self.path.exists():
            with open(self.path, newline="", encoding="utf-8") as fh:
                reader = csv.DictReader(fh)
                self.header = list(reader.fieldnames or [])
                self.rows = [dict(r) for r in reader]

    def latest(self) -> dict[str, dict[str, str]]:
        """The last row of every run id."""
        return {r["run_id"]: r for r in self.rows}

    def append(self, row: Mapping[str, Any]) -> None:
        text = {k: _cell(v) for k, v in row.items()}
        new = [k for k in text if k not in self.header]
        self.rows.append(text)
        if new or not self.path.exists():
            self.header = _order_columns(self.header + new)
            tmp = self.path.with_name(self.path.name + ".tmp")
            with open(tmp, "w", newline="", encoding="utf-8") as fh:
                w = csv.DictWriter(fh, self.header, restval="")
                w.writeheader()
                w.writerows(self.rows)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
            return
        with open(self.path, "a", newline="", encoding="utf-8") as fh:
            csv.DictWriter(fh, self.header, restval="").writerow(text)
            fh.flush()
            os.fsync(fh.fileno())


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _order_columns(columns: list[str]) -> list[str]:
    fixed = [c for c in FIXED_COLUMNS if c in columns] + [
        c for c in FIXED_COLUMNS if c not in columns
    ]
    params = [c for c in columns if c not in FIXED_COLUMNS and "." not in c]
    metrics = sorted(c for c in columns if "." in c)
    return fixed + params + metrics


def _parse(text: str) -> Any:
    if text == "":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text, text)


def read_summary(
    out_dir: str | os.PathLike[str], run_ids: Collection[str] | None = None
) -> list[dict[str, Any]]:
    """The summary of a sweep directory: the last row of every run (of those in
    ``run_ids`` if given), values parsed (numbers as numbers, missing as
    ``None``). ``pandas.read_csv`` reads the same file (``DIR/summary.csv``),
    one row per attempt."""
    table = SummaryTable(Path(out_dir) / SUMMARY_FILE)
    return [
        {k: (v if k in ("run_id", "status", "error", "path") else _parse(v)) for k, v in r.items()}
        for r in table.latest().values()
        if run_ids is None or r["run_id"] in run_ids
    ]


# ---- the driver -------------------------------------------------------------------


@dataclass
class SweepReport:
    """What a sweep invocation did."""

    out_dir: Path
    total: int
    skipped: int = 0
    ok: int = 0
    failed: int = 0
    interrupted: bool = False
    failures: list[RunOutcome] = field(default_factory=list)

    @property
    def ran(self) -> int:
        return self.ok + self.failed


class _SweepProgress(OptionalProgress):
    """A rich progress bar over runs, with ok/failed counts."""

    def __init__(self, name: str, total: int, enabled: bool) -> None:
        self._progress = None
        if enabled and total:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[counts]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
            )
            self._task = self._progress.add_task(f"sweep {name}", total=total, counts="")

    def update(self, report: SweepReport) -> None:
        if self._progress is None:
            return
        counts = f"[green]{report.ok} ok[/] [red]{report.failed} failed[/]"
        self._progress.update(self._task, advance=1, counts=counts)


def _lock(out: Path):
    """Holds an exclusive lock on the output directory (POSIX), so two sweeps
    never write one summary at once."""
    fh = open(out / ".sweep.lock", "w")  # noqa: SIM115 - held for the sweep
    try:
        import fcntl

        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except ImportError:  # pragma: no cover - not POSIX
        pass
    except OSError:
        fh.close()
        raise ValueError(
            f"another sweep is writing to {str(out)!r}; allowed: one sweep per output directory"
        ) from None
    return fh


def pending_runs(
    tasks: Sequence[RunTask], table: SummaryTable, retry_failed: bool = False
) -> list[RunTask]:
    """The tasks still to run: not ``ok`` with their file present, and not
    ``failed`` unless ``retry_failed``."""
    latest = table.latest()
    base = table.path.parent
    todo = []
    for task in tasks:
        row = latest.get(task.run_id)
        if row is not None:
            if row["status"] == "ok" and row.get("path") and (base / row["path"]).exists():
                continue
            if row["status"] == "failed" and not retry_failed:
                continue
        todo.append(task)
    return todo


def run_sweep(
    spec: SweepSpec,
    out_dir: str | os.PathLike[str] | None = None,
    *,
    engine: Engine | None = None,
    threads: int = 1,
    retry_failed: bool = False,
    progress: bool = True,
) -> SweepReport:
    """Runs every unfinished run of ``spec`` on ``engine`` (default: local
    processes), appending a summary row as each finishes. Ctrl-C stops the
    engine and returns with ``interrupted`` set; finished rows are kept."""
    # Absolute: workers (Dask ones too) may run in another directory.
    out = (Path(out_dir) if out_dir is not None else spec.default_out()).absolute()
    (out / "runs").mkdir(parents=True, exist_ok=True)
    lock = _lock(out)
    try:
        tasks = spec.runs(out, threads=threads)
        manifest = {
            "sweep": spec.name,
            "spec": str(spec.path.resolve()),
            "scenario": str(spec.scenario),
            "runs": [{"run_id": t.run_id, "seed": t.seed, "parameters": t.values} for t in tasks],
        }
        tmp = out / "sweep.json.tmp"
        tmp.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        os.replace(tmp, out / "sweep.json")
        table = SummaryTable(out / SUMMARY_FILE)
        todo = pending_runs(tasks, table, retry_failed)
        report = SweepReport(out, total=len(tasks), skipped=len(tasks) - len(todo))
        if not todo:
            return report
        engine = engine if engine is not None else make_engine()
        outcomes = engine.run(todo)
        bar = _SweepProgress(spec.name, len(todo), progress)
        try:
            with bar:
                for outcome in outcomes:
                    table.append(outcome.row())
                    if outcome.status == "ok":
                        report.ok += 1
                    else:
                        report.failed += 1
                        report.failures.append(outcome)
                    bar.update(report)
        except KeyboardInterrupt:
            report.interrupted = True
        finally:
            close = getattr(outcomes, "close", None)
            if close is not None:
                close()
        return report
    finally:
        lock.close()


# ---- summary, plot and the command line ------------------------------------------


def _sorted_rows(rows: list[dict[str, Any]], key: str | None, descending: bool) -> list[dict]:
    if key is None:
        return rows

    def k(row: dict[str, Any]) -> tuple:
        v = row.get(key)
        missing = v is None or (isinstance(v, float) and math.isnan(v))
        if missing:
            return (1, 0, "")
        if isinstance(v, int | float):
            return (0, -v if descending else v, "")
        return (0, 0, str(v))

    out = sorted(rows, key=k)
    return out


def _check_column(name: str, columns: Sequence[str], what: str) -> None:
    if name not in columns:
        metrics = [c for c in columns if "." in c]
        params = [c for c in columns if "." not in c and c not in FIXED_COLUMNS]
        raise ValueError(
            f"{what} {name!r} is not in the summary; allowed: parameters "
            f"{', '.join(params) or 'none'}; metrics {', '.join(metrics) or 'none (no run yet)'}"
        )


def print_summary(
    out_dir: Path,
    sort: str | None = None,
    descending: bool = False,
    metrics: Sequence[str] | None = None,
    file: Any = None,
    run_ids: Collection[str] | None = None,
) -> None:
    """Prints the summary table of a sweep directory (the runs in ``run_ids``
    if given: those of the current spec), sorted by ``sort``."""
    from rich.console import Console
    from rich.table import Table

    table = SummaryTable(out_dir / SUMMARY_FILE)
    if not table.rows:
        raise ValueError(f"no summary in {str(out_dir)!r} yet; run the sweep first")
    columns = table.header
    if sort is not None:
        _check_column(sort, columns, "--sort")
    if metrics:
        for m in metrics:
            _check_column(m, columns, "--metrics")
        shown = list(metrics)
    else:
        shown = [c for c in columns if c.startswith("fleet.")]
    if sort is not None and "." in sort and sort not in shown:
        shown.insert(0, sort)
    rows = _sorted_rows(read_summary(out_dir, run_ids), sort, descending)
    if not rows:
        raise ValueError(f"no run of this sweep has finished in {str(out_dir)!r} yet")
    # Parameters that vary between runs (the [set] ones are the same in every row).
    params = [
        c
        for c in columns
        if "." not in c
        and c not in FIXED_COLUMNS
        and (c == sort or len({repr(r.get(c)) for r in rows}) > 1)
    ]
    t = Table(title=f"sweep {out_dir.name}: {len(rows)} runs", show_lines=False)
    for c in ["run", "status", "seed", *params, "wall_s", *shown, "error"]:
        t.add_column(c, justify="left" if c in ("run", "status", "error") else "right")
    for r in rows:
        cells = [r["run_id"][:8], r["status"], r.get("seed"), *(r.get(p) for p in params)]
        cells += [r.get("wall_s"), *(r.get(m) for m in shown), (r.get("error") or "")[:60]]
        t.add_row(*(_fmt(c) for c in cells))
    console = Console(file=file)
    if not console.is_terminal:
        console.width = max(console.width, 200)
    console.print(t)


def _fmt(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def plot_metric(
    out_dir: Path,
    metric: str,
    against: str,
    figure: Path,
    run_ids: Collection[str] | None = None,
) -> Path:
    """Plots ``metric`` against the parameter ``against`` over the ok runs (one
    point per run, and the mean at each parameter value) into ``figure``."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ModuleNotFoundError:
        raise ValueError(
            "--plot needs matplotlib, which is not installed; allowed: pip install matplotlib"
        ) from None
    table = SummaryTable(out_dir / SUMMARY_FILE)
    _check_column(metric, table.header, "--plot metric")
    _check_column(against, table.header, "--against parameter")
    rows = [r for r in read_summary(out_dir, run_ids) if r["status"] == "ok"]
    pts = [(r[against], r[metric]) for r in rows if r.get(metric) is not None]
    if not pts:
        raise ValueError(f"no finished run has metric {metric!r} to plot")
    xs = [p[0] for p in pts]
    categorical = not all(_real(x) for x in xs)
    if categorical:
        labels = sorted({str(x) for x in xs})
        xs = [labels.index(str(x)) for x in xs]
    ys = [float(p[1]) for p in pts]
    fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
    ax.scatter(xs, ys, s=18, alpha=0.7, label="runs")
    groups: dict[float, list[float]] = {}
    for x, y in zip(xs, ys, strict=True):
        groups.setdefault(x, []).append(y)
    if any(len(v) > 1 for v in groups.values()):
        gx = sorted(groups)
        ax.plot(gx, [float(np.nanmean(groups[x])) for x in gx], "-", color="C1", label="mean")
        ax.legend()
    if categorical:
        ax.set_xticks(range(len(labels)), labels)
    ax.set_xlabel(against)
    ax.set_ylabel(metric)
    ax.set_title(f"{out_dir.name}: {metric} vs {against}")
    ax.grid(alpha=0.3)
    figure.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(figure, dpi=120)
    plt.close(fig)
    return figure


def add_parser(subparsers: Any) -> None:
    """Registers ``orbitwin sweep``."""
    p = subparsers.add_parser(
        "sweep",
        help="run a parameter sweep or Monte Carlo over a scenario",
        description=(
            "Run every run of a sweep spec (TOML: a base scenario, [set], [grid], [random], "
            "seeds) on local processes or a Dask cluster; one HDF5 file per run and a summary "
            "table written as runs finish. Re-running skips finished runs; Ctrl-C keeps them."
        ),
    )
    p.add_argument("spec", help="the sweep spec, e.g. scenarios/sweeps/walker_altitude.toml")
    p.add_argument("--out", help="output directory (default: out/sweeps/<sweep name>)")
    p.add_argument(
        "--jobs", type=int, help="runs at a time: worker processes (default: one per core)"
    )
    p.add_argument("--threads", type=int, default=1, help="core threads per run (default 1)")
    p.add_argument(
        "--dask",
        metavar="SCHEDULER",
        help="run on a Dask cluster: a scheduler address (tcp://host:8786) or 'local'",
    )
    p.add_argument("--serial", action="store_true", help="run in this process, one at a time")
    p.add_argument("--retry-failed", action="store_true", help="run failed runs again")
    p.add_argument("--dry-run", action="store_true", help="list the runs and what is left")
    p.add_argument("--summary", action="store_true", help="print the summary table and exit")
    p.add_argument("--sort", metavar="COLUMN", help="with --summary: sort by a metric/parameter")
    p.add_argument("--desc", action="store_true", help="with --sort: largest first")
    p.add_argument("--metrics", help="with --summary: comma-separated metric columns to show")
    p.add_argument("--plot", metavar="METRIC", help="plot METRIC against --against PARAM")
    p.add_argument("--against", metavar="PARAM", help="with --plot: the parameter on the x axis")
    p.add_argument(
        "--figure", help="with --plot: the image file (default: DIR/METRIC_vs_PARAM.png)"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    p.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    """``orbitwin sweep``: run, summarise or plot a sweep."""
    from .cli import EXIT_INTERRUPTED

    spec = load_spec(args.spec)
    out = Path(args.out) if args.out else spec.default_out()
    ids = {t.run_id for t in spec.runs(out)}
    if args.plot or args.against:
        if not (args.plot and args.against):
            raise ValueError("--plot METRIC needs --against PARAM (and the other way round)")
        fig = Path(args.figure) if args.figure else out / f"{args.plot}_vs_{args.against}.png"
        print(f"orbitwin sweep: wrote {plot_metric(out, args.plot, args.against, fig, ids)}")
        return 0
    if args.summary:
        metrics = [m.strip() for m in args.metrics.split(",")] if args.metrics else None
        print_summary(out, args.sort, args.desc, metrics, run_ids=ids)
        return 0
    if args.threads < 1:
        raise ValueError(f"--threads is {args.threads}; allowed: 1 or more")
    if args.jobs is not None and args.jobs < 1:
        raise ValueError(f"--jobs is {args.jobs}; allowed: 1 or more")
    if args.dry_run:
        tasks = spec.runs(out, args.threads)
        todo = {t.run_id for t in pending_runs(tasks, SummaryTable(out / SUMMARY_FILE))}
        for t in tasks:
            mark = "todo" if t.run_id in todo else "done"
            print(f"{t.run_id}  {mark}  seed={t.seed}  {json.dumps(t.values)}")
        print(f"{len(tasks)} runs, {len(todo)} to run, output in {out}")
        return 0
    engine = make_engine(args.dask, args.jobs, args.serial)
    report = run_sweep(
        spec,
        out,
        engine=engine,
        threads=args.threads,
        retry_failed=args.retry_failed,
        progress=not args.no_progress,
    )
    print(
        f"orbitwin sweep {spec.name}: {report.total} runs: {report.ok} ok, {report.failed} failed "
        f"now, {report.skipped} finished before; summary: {out / SUMMARY_FILE}"
    )
    for f in report.failures[:5]:
        print(f"  failed {f.run_id} {json.dumps(f.values)} seed={f.seed}: {f.error}")
    if report.interrupted:
        left = report.total - report.skipped - report.ran
        print(
            f"orbitwin sweep: interrupted; {report.ran} runs finished and kept, {left} left. "
            "Run the same command again to go on.",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    return EXIT_RUNS_FAILED if report.failed else 0
