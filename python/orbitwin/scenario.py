"""Scenarios: what to fly, from when, for how long, and what to record.

A scenario script in ``scenarios/`` builds a :class:`Scenario` at module level
(named ``scenario``) and ends with::

    if __name__ == "__main__":
        orbitwin.cli.main_for(scenario)

so it runs both as ``orbitwin run scenarios/x.py`` and as ``python scenarios/x.py``.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import types
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .constellations import ElementSet
from .ground import GroundStation
from .timeutil import duration_ns, parse_epoch
from .tle import TleSet, read_tle
from .twin import Twin

#: Channels recorded when a scenario does not choose.
DEFAULT_CHANNELS: tuple[str, ...] = (
    "orbit.latitude",
    "orbit.longitude",
    "orbit.altitude",
    "sun.illumination",
    "sun.beta_angle",
    "status.flags",
    "power.battery_soc",
    "power.array",
    "power.shed",
    "thermal.temperature",
    "compute.state",
    "compute.junction_temperature",
    "compute.throughput",
    "radiation.dose",
    "ground.best_station",
)


class ScenarioError(ValueError):
    """A scenario that cannot be run: the message says what and where."""


@dataclass
class FleetSpec:
    name: str
    orbits: ElementSet | TleSet
    radiation: Any = None  #: an orbitwin.radiation.RadiationConfig, None when off
    design: Any = None  #: an orbitwin.design.SatelliteDesign, None: orbit, Sun and attitude only


@dataclass
class Scenario:
    """A runnable scenario.

    ``epoch`` is ISO 8601 UTC; ``duration``, ``step`` and ``output_every`` are
    seconds or text (``"90min"``, ``"1d"``); ``output_every`` must be a multiple
    of ``step``. ``channels`` are the recorded telemetry channels: one of
    :data:`DEFAULT_CHANNELS` is recorded when every fleet has it (a fleet without a
    design has no thermal, power or compute channels); any other channel must
    exist in every fleet.
    """

    name: str
    epoch: str
    duration: float | str
    step: float | str = "10s"
    output_every: float | str = "60s"
    seed: int = 0
    description: str = ""
    channels: tuple[str, ...] = DEFAULT_CHANNELS
    fleets: list[FleetSpec] = field(default_factory=list)
    processes: list[Callable[[Any], Generator]] = field(default_factory=list)
    ground_stations: tuple[GroundStation, ...] = ()
    source_path: str | None = None
    #: The script's text as it was run (set by the loaders; read from
    #: ``source_path`` when None).
    source_text: str | None = None
    #: Values of the script's declared parameters (:mod:`orbitwin.params`) this
    #: scenario was built with; stored in the run file so a run can be resumed.
    parameters: dict[str, Any] = field(default_factory=dict)
    #: Storage precision of floating-point telemetry: ``"single"`` (7 significant
    #: digits, half the bytes) or ``"double"``. The core computes in double either way.
    output_precision: str = "single"

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raises :class:`ScenarioError` naming the first bad field."""
        try:
            if not self.name or not isinstance(self.name, str):
                raise ValueError(f"name is {self.name!r}; allowed: a non-empty string")
            parse_epoch(self.epoch)
            duration_ns(self.duration, "duration")
            step = duration_ns(self.step, "step")
            every = duration_ns(self.output_every, "output_every")
            if every % step:
                raise ValueError(
                    f"output_every is {self.output_every!r}; allowed: a multiple of the step "
                    f"({self.step!r})"
                )
            if not isinstance(self.seed, int) or self.seed < 0:
                raise ValueError(f"seed is {self.seed!r}; allowed: a non-negative integer")
            if self.output_precision not in ("single", "double"):
                raise ValueError(
                    f"output_precision is {self.output_precision!r}; allowed: 'single', 'double'"
                )
        except ValueError as exc:
            raise ScenarioError(f"scenario {self.name!r}: {exc}") from None

    def add_fleet(
        self,
        name: str,
        orbits: ElementSet | TleSet | str | os.PathLike[str],
        radiation: Any = None,
        design: Any = None,
    ) -> None:
        """Adds a fleet flown on an element set (``walker``, ``elements``) or a TLE file;
        ``design`` (a :class:`~orbitwin.design.SatelliteDesign`) adds the thermal network,
        power system and compute payload; ``radiation`` (a
        :class:`~orbitwin.radiation.RadiationConfig`) enables the radiation model, its
        draws seeded by the scenario's seed unless it sets one."""
        if isinstance(orbits, str | os.PathLike):
            orbits = read_tle(orbits)
        if not isinstance(orbits, ElementSet | TleSet):
            raise ScenarioError(
                f"scenario {self.name!r}: orbits of fleet {name!r} is a "
                f"{type(orbits).__name__}; allowed: an ElementSet, a TleSet or a TLE file path"
            )
        if any(f.name == name for f in self.fleets):
            raise ScenarioError(f"scenario {self.name!r}: fleet name {name!r} is already used")
        self.fleets.append(FleetSpec(name, orbits, radiation, design))

    def process(self, fn: Callable[[Any], Generator]) -> Callable[[Any], Generator]:
        """Registers a SimPy process (usable as a decorator): ``fn(sim)`` returns a
        generator that yields SimPy events; ``sim`` is the run's
        :class:`~orbitwin.master.Simulation`."""
        if not callable(fn):
            raise ScenarioError(f"scenario {self.name!r}: process {fn!r} is not callable")
        self.processes.append(fn)
        return fn

    @property
    def n_satellites(self) -> int:
        return sum(len(f.orbits) for f in self.fleets)

    def build(self, threads: int = 1) -> Twin:
        """A :class:`Twin` at the epoch with every fleet added."""
        if not self.fleets:
            raise ScenarioError(f"scenario {self.name!r} has no fleets; add one with add_fleet()")
        twin = Twin(self.epoch, step=self.step, threads=threads)
        for spec in self.fleets:
            twin.add_fleet(spec.name, spec.orbits, design=spec.design)
        if self.ground_stations:
            twin.set_ground_stations(self.ground_stations)
        for spec in self.fleets:
            if spec.radiation is not None:
                cfg = spec.radiation
                if cfg.seed is None:
                    cfg = dataclasses.replace(cfg, seed=self.seed)
                twin.enable_radiation(spec.name, cfg)
        return twin


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Executes a scenario script and returns its module-level ``scenario``.

    Raises :class:`ScenarioError` for a missing file, a syntax error (with file
    and line) or a script that defines no :class:`Scenario`.
    """
    p = Path(path)
    if not p.is_file():
        raise ScenarioError(f"scenario file {str(p)!r} does not exist")
    return load_scenario_source(p.read_text(encoding="utf-8"), str(p))


def load_scenario_source(source: str, path: str) -> Scenario:
    """Executes the text of a scenario script as if it were the file ``path``
    (``__file__`` is ``path``, so it finds its data files as it did) and returns
    its ``scenario``. ``orbitwin run --resume`` uses the text stored in a run file."""
    try:
        code = compile(source, path, "exec")
    except SyntaxError as exc:
        raise ScenarioError(
            f"scenario file {exc.filename}, line {exc.lineno}: syntax error: {exc.msg}"
        ) from None
    # Like runpy: a temporary module, so classes the script defines know their module.
    name = "__orbitwin_scenario__"
    module = types.ModuleType(name)
    module.__file__ = path
    saved = sys.modules.get(name)
    sys.modules[name] = module
    try:
        exec(code, module.__dict__)  # noqa: S102 - running the user's scenario is the point
    finally:
        if saved is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = saved
    namespace = module.__dict__
    found = namespace.get("scenario")
    if not isinstance(found, Scenario):
        candidates = [v for v in namespace.values() if isinstance(v, Scenario)]
        if len(candidates) != 1:
            raise ScenarioError(
                f"scenario file {path!r} defines no module-level `scenario = Scenario(...)`"
            )
        found = candidates[0]
    found.source_path = path
    found.source_text = source
    return found
