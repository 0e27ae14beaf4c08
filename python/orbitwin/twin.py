"""The Python face of the core: a :class:`Twin` holds fleets and advances them.

State and parameters are zero-copy numpy views into arrays the core owns
(``fleet.state("orbit.altitude")``, ``fleet.param("attitude.mode")``); time is
integer nanoseconds since the epoch; ``advance`` releases the GIL and never
loops over satellites or steps in Python. TLE fleets are propagated by the
``sgp4`` package's batch API in chunks of steps that the core plans.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _core
from .constellations import ElementSet
from .design import SatelliteDesign
from .timeutil import NS_PER_S, Epoch, duration_ns, parse_epoch
from .tle import SgpPropagator, TleSet

#: Steps of SGP4 ephemeris computed per batch for TLE fleets.
DEFAULT_EPHEMERIS_STEPS = 64


class Fleet:
    """Satellites that share one design; a thin handle on the core's arrays."""

    def __init__(
        self,
        twin: Twin,
        index: int,
        core: _core.Fleet,
        names: tuple[str, ...],
        plane: np.ndarray,
        propagator: SgpPropagator | None,
        design: SatelliteDesign | None = None,
    ) -> None:
        self._twin = twin
        #: The thermal/power design the fleet shares (None: no thermal/power model).
        self.design = design
        self.index = index
        self._core = core
        self.names = names
        self.plane = plane
        self._propagator = propagator
        #: The orbits the fleet was added with.
        self.orbits: ElementSet | TleSet | None = None
        #: The radiation configuration (``Twin.enable_radiation``), None when off.
        self.radiation: Any = None
        #: The core's radiation tables and responses (``_core.RadiationConfig``).
        self.radiation_core: Any = None

    @property
    def name(self) -> str:
        return self._core.name

    @property
    def size(self) -> int:
        return self._core.size

    def __len__(self) -> int:
        return self._core.size

    @property
    def channels(self) -> dict[str, dict]:
        """Every channel by name: unit, description, dtype, per-satellite shape, parameter."""
        return {c["name"]: c for c in self._core.channels()}

    def _view(self, name: str, parameter: bool) -> np.ndarray:
        channels = self.channels
        info = channels.get(name)
        if info is None or info["parameter"] != parameter:
            kind = "parameter" if parameter else "state channel"
            allowed = sorted(n for n, c in channels.items() if c["parameter"] == parameter)
            raise KeyError(
                f"fleet {self.name!r} has no {kind} {name!r}; allowed: {', '.join(allowed)}"
            )
        return self._core.view(name)

    def state(self, name: str) -> np.ndarray:
        """Read-only zero-copy view of a state channel, shaped (n_sat, ...)."""
        return self._view(name, parameter=False)

    def param(self, name: str) -> np.ndarray:
        """Zero-copy view of a parameter (writable where users and faults may change it)."""
        return self._view(name, parameter=True)

    def unit(self, name: str) -> str:
        return self.channels[name]["unit"]


@dataclass
class Recording:
    """Frames recorded by the core at the output cadence, drained to ``sink``."""

    cadence_ns: int
    channels: dict[int, list[str]]  # fleet index -> channel names
    times_ns: np.ndarray  # (capacity,) int64
    buffers: dict[tuple[int, str], np.ndarray]  # (fleet, channel) -> (capacity, n, ...)
    sink: Callable[[np.ndarray, dict[tuple[int, str], np.ndarray]], None]


class Twin:
    """Fleets, the clock and the core that steps them.

    ``epoch`` is an ISO 8601 UTC time; ``step`` the fixed step (seconds or text
    such as ``"10s"``); ``threads`` the core's thread count (results never
    depend on it).
    """

    def __init__(self, epoch: str, step: float | str = 10.0, threads: int = 1) -> None:
        self.epoch: Epoch = parse_epoch(epoch)
        self.step_ns = duration_ns(step, "step")
        self._core = _core.Twin(self.epoch.jd_whole, self.epoch.jd_fraction, self.step_ns)
        self.threads = threads
        self.fleets: list[Fleet] = []
        self._recording: Recording | None = None
        #: Wall seconds spent in the core, in SGP4 ephemeris batches and in the sink.
        self.timing: dict[str, float] = {"core": 0.0, "ephemeris": 0.0, "sink": 0.0}
        #: Satellite-steps taken so far.
        self.satellite_steps = 0
        self._watch_fleets: dict[int, Fleet] = {}
        self.stations: tuple = ()
        self._prefetch: Any = None  # Future of the next SGP4 chunk, or None
        #: SGP4 chunks taken from the background prefetch (the rest were computed on demand).
        self.ephemeris_prefetch_hits = 0
        self._prefetch_pool: Any = None

    # ---- construction -------------------------------------------------
    @property
    def threads(self) -> int:
        return self._core.threads

    @threads.setter
    def threads(self, n: int) -> None:
        if not isinstance(n, int | np.integer) or n < 1:
            raise ValueError(f"threads is {n!r}; allowed: a positive integer")
        if n > 1 and not _core.openmp:
            n = 1  # built without OpenMP: one thread, same results
        self._core.threads = int(n)

    def add_fleet(
        self,
        name: str,
        orbits: ElementSet | TleSet,
        ephemeris_steps: int = DEFAULT_EPHEMERIS_STEPS,
        design: SatelliteDesign | None = None,
    ) -> Fleet:
        """Adds a fleet flown on Walker/plain elements or on TLEs (SGP4).

        ``design`` (a :class:`~orbitwin.design.SatelliteDesign`, e.g.
        ``design.compute_node()``) attaches the coupled thermal network and power
        system: ``thermal.*`` and ``power.*`` channels, every satellite starting at
        the design's values. Without one the fleet has orbit, Sun and attitude
        only (no thermal/power channels).
        """
        if design is not None and not isinstance(design, SatelliteDesign):
            raise ValueError(
                f"design of fleet {name!r} is a {type(design).__name__}; "
                "allowed: a SatelliteDesign (e.g. orbitwin.design.compute_node()) or None"
            )
        core_design = design.to_core() if design is not None else None
        if self._core.started:
            raise ValueError(f"fleet {name!r} added after the twin started; add fleets first")
        if any(f.name == name for f in self.fleets):
            raise ValueError(f"fleet name {name!r} is already used")
        index = len(self.fleets)
        if isinstance(orbits, ElementSet):
            core = self._core.add_fleet(name, len(orbits), _core.OrbitSource.MEAN_ELEMENTS)
            core.set_mean_elements(
                orbits.semi_major_axis_m,
                orbits.eccentricity,
                orbits.inclination_rad,
                orbits.raan_rad,
                orbits.arg_perigee_rad,
                orbits.mean_anomaly_rad,
            )
            self._attach_design(core, design, core_design)
            fleet = Fleet(self, index, core, orbits.names, orbits.plane, None, design)
        elif isinstance(orbits, TleSet):
            if ephemeris_steps < 2:
                raise ValueError(f"ephemeris_steps is {ephemeris_steps}; allowed: at least 2")
            core = self._core.add_fleet(
                name, len(orbits), _core.OrbitSource.EPHEMERIS, int(ephemeris_steps)
            )
            plane = np.zeros(len(orbits), dtype=np.int32)
            self._attach_design(core, design, core_design)
            fleet = Fleet(self, index, core, orbits.names, plane, SgpPropagator(orbits), design)
        else:
            raise ValueError(
                f"orbits of fleet {name!r} is a {type(orbits).__name__}; "
                "allowed: an ElementSet (walker(), elements()) or a TleSet (read_tle())"
            )
        fleet.orbits = orbits
        self.fleets.append(fleet)
        return fleet

    @staticmethod
    def _attach_design(core: _core.Fleet, design, core_design) -> None:
        if core_design is None:
            return
        core.attach_thermal_power(core_design)
        if design.compute is not None:
            core.attach_compute(design.compute.core_fields())

    def enable_radiation(self, fleet: str | Fleet, config: Any = None) -> Fleet:
        """Adds the radiation model (``orbitwin.radiation``) to a fleet, before the twin
        starts; ``config`` is a :class:`orbitwin.radiation.RadiationConfig`."""
        from . import radiation

        return radiation.enable(self, fleet, config)

    def fleet(self, name: str) -> Fleet:
        for f in self.fleets:
            if f.name == name:
                return f
        raise KeyError(f"no fleet {name!r}; fleets: {', '.join(f.name for f in self.fleets)}")

    def set_ground_stations(self, stations) -> None:
        """Sets the ground stations (a sequence of :class:`~orbitwin.ground.GroundStation`)
        before the twin starts; every fleet gets ``ground.*`` channels, one column per
        station in this order."""
        from .ground import station_arrays

        if self._core.started:
            raise ValueError("ground stations must be set before the twin starts")
        self.stations = tuple(stations)
        self._core.set_ground_stations(*station_arrays(self.stations))

    @property
    def n_satellites(self) -> int:
        return sum(f.size for f in self.fleets)

    # ---- time -----------------------------------------------------------
    @property
    def time_ns(self) -> int:
        return self._core.time_ns

    @property
    def time_s(self) -> float:
        return self._core.time_ns / NS_PER_S

    # ---- recording --------------------------------------------------------
    def record(
        self,
        every: float | str,
        channels: Iterable[str],
        sink: Callable[[np.ndarray, dict[tuple[int, str], np.ndarray]], None],
        capacity: int = 64,
        precision: str = "double",
    ) -> Recording:
        """Records ``channels`` of every fleet at multiples of ``every`` into core-filled
        buffers of ``capacity`` frames; ``sink(times_ns, buffers)`` receives each full or
        final batch (views valid only during the call). With ``precision="single"``
        float64 channels are recorded as float32 (rounded to nearest, as
        ``astype(np.float32)`` rounds), halving the bytes the core copies per frame."""
        if precision not in ("single", "double"):
            raise ValueError(f"record precision is {precision!r}; allowed: 'single', 'double'")
        cadence = duration_ns(every, "output cadence")
        if cadence % self.step_ns:
            raise ValueError(
                f"output cadence is {cadence / NS_PER_S} s; allowed: a multiple of the step "
                f"({self.step_ns / NS_PER_S} s)"
            )
        if not self.fleets:
            raise ValueError("record() needs at least one fleet")
        names = list(channels)
        times = np.zeros(capacity, dtype=np.int64)
        buffers: dict[tuple[int, str], np.ndarray] = {}
        sinks = []
        per_fleet: dict[int, list[str]] = {}
        for f in self.fleets:
            per_fleet[f.index] = []
            for ch in names:
                info = f.channels.get(ch)
                if info is None:
                    raise ValueError(
                        f"output channel {ch!r} does not exist in fleet {f.name!r}; "
                        f"allowed: {', '.join(sorted(f.channels))}"
                    )
                single = precision == "single" and np.dtype(info["dtype"]) == np.float64
                dtype = np.float32 if single else info["dtype"]
                buf = np.zeros((capacity, f.size, *info["shape"]), dtype=dtype)
                buffers[(f.index, ch)] = buf
                sinks.append((f.index, ch, buf, single))
                per_fleet[f.index].append(ch)
        self._core.attach_recorder(cadence, times, sinks)
        self._recording = Recording(cadence, per_fleet, times, buffers, sink)
        return self._recording

    def flush(self) -> None:
        """Hands every recorded frame to the sink and empties the buffers."""
        rec = self._recording
        if rec is None:
            return
        n = self._core.recorded_frames
        if n:
            t0 = time.perf_counter()
            # Cleared before the sink runs: a sink that fails (or a Ctrl-C inside it)
            # never gets the same frames twice. The buffers stay intact until the
            # next advance.
            self._core.clear_recorded()
            try:
                rec.sink(rec.times_ns[:n], {k: v[:n] for k, v in rec.buffers.items()})
            finally:
                self.timing["sink"] += time.perf_counter() - t0

    # ---- watches ------------------------------------------------------------
    _OPS = {"<": "LT", "<=": "LE", ">": "GT", ">=": "GE"}

    def add_watch(self, fleet: str | Fleet, channel: str, op: str, threshold: float) -> int:
        """Arms a watch: ``advance`` returns early at the end of the first step where
        ``channel op threshold`` turns true for any satellite of ``fleet``."""
        f = fleet if isinstance(fleet, Fleet) else self.fleet(fleet)
        if op not in self._OPS:
            raise ValueError(f"watch operator is {op!r}; allowed: {', '.join(self._OPS)}")
        info = f.channels.get(channel)
        if info is None:
            raise ValueError(
                f"watch channel {channel!r} does not exist in fleet {f.name!r}; "
                f"allowed: {', '.join(sorted(f.channels))}"
            )
        if info["shape"]:
            raise ValueError(
                f"watch channel {channel!r} has shape {info['shape']} per satellite; "
                "allowed: a scalar channel"
            )
        watch_id = self._core.add_watch(
            f.index, channel, getattr(_core.WatchOp, self._OPS[op]), float(threshold)
        )
        self._watch_fleets[watch_id] = f
        return watch_id

    def remove_watch(self, watch_id: int) -> None:
        self._core.remove_watch(watch_id)
        self._watch_fleets.pop(watch_id, None)

    def watch_hits(self) -> list[tuple[int, Fleet, np.ndarray]]:
        """(watch id, fleet, satellite indices) that fired at the end of the last advance."""
        return [(wid, self._watch_fleets[wid], sats) for wid, sats in self._core.watch_hits()]

    # ---- stepping -----------------------------------------------------------
    def _refill_ephemeris(self, until_ns: int) -> None:
        """Fills every TLE fleet's ephemeris buffer with SGP4 states at the core's next
        steps towards ``until_ns``, then starts computing the chunk after it on a
        background thread: the ``sgp4`` package holds the GIL while it propagates,
        but the core releases it while it steps, so the next chunk's SGP4 overlaps
        the current chunk's stepping. A prefetched chunk is used only when its
        times equal the ones the core now needs (an event or watch that changes
        the step plan makes it be computed again), so results never depend on it."""
        t0 = time.perf_counter()
        staged = self._take_prefetch()
        last = None
        for f in self.fleets:
            if f._propagator is None:
                continue
            cap = f._core.ephemeris_capacity
            now = np.array([] if self._core.started else [self.time_ns], np.int64)
            times = np.concatenate([now, self._core.plan_steps(until_ns, cap - now.size)])
            if times.size == 0:
                times = np.array([self.time_ns], np.int64)
            hit = staged.get(f.index)
            if hit is not None and np.array_equal(hit[0], times):
                r, v = hit[1], hit[2]
                self.ephemeris_prefetch_hits += 1
            else:
                r, v = self._propagate(f, times)
            k = times.size
            t_buf, r_buf, v_buf = f._core.ephemeris_buffers()
            t_buf[:k] = times
            r_buf[:, :k, :] = r
            v_buf[:, :k, :] = v
            f._core.set_ephemeris_count(k)
            last = (times[-1], cap)
        if last is not None:
            # Beyond this advance's end, guess that the next advance goes on along the grid.
            horizon = until_ns if last[0] < until_ns else np.iinfo(np.int64).max
            self._start_prefetch(int(last[0]), horizon, last[1])
        self.timing["ephemeris"] += time.perf_counter() - t0

    def _propagate(self, f: Fleet, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r, v, _ = f._propagator.propagate(
            self.epoch.jd_whole, self.epoch.jd_fraction * 86400.0 + times / NS_PER_S
        )
        return r, v

    def _next_steps(self, after_ns: int, until_ns: int, count: int) -> np.ndarray:
        """The core's step times after ``after_ns`` towards ``until_ns`` (at most
        ``count``), as :meth:`_core.Twin.plan_steps` plans them from there."""
        grid = (after_ns // self.step_ns + 1 + np.arange(count, dtype=np.int64)) * self.step_ns
        inside = grid[grid < until_ns]
        if inside.size < count:
            inside = np.append(inside, np.int64(until_ns))
        return inside

    def _start_prefetch(self, after_ns: int, until_ns: int, count: int) -> None:
        from concurrent.futures import ThreadPoolExecutor

        if self._prefetch_pool is None:
            self._prefetch_pool = ThreadPoolExecutor(1, thread_name_prefix="orbitwin-sgp4")
        times = self._next_steps(after_ns, until_ns, count)
        fleets = [f for f in self.fleets if f._propagator is not None]

        def job() -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
            return {f.index: (times, *self._propagate(f, times)) for f in fleets}

        self._prefetch = self._prefetch_pool.submit(job)

    def _take_prefetch(self) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        job, self._prefetch = self._prefetch, None
        return job.result() if job is not None else {}

    def start(self) -> None:
        """Evaluates every model at the current time (called by the first advance)."""
        if not self._core.started:
            if not self._core.start():
                self._refill_ephemeris(self.time_ns)
                if not self._core.start():
                    raise RuntimeError("the ephemeris does not cover the start time")

    def advance(self, until: int | float | str | None = None, *, by: float | str | None = None):
        """Steps every satellite to ``until_ns`` (int ns since epoch) or ``by`` a duration.

        Returns the core's AdvanceResult (time reached, reason, steps); it stops early,
        with reason ``WATCH``, at the end of the first step where a watch fires
        (see :meth:`watch_hits`).
        """
        if (until is None) == (by is None):
            raise ValueError("give exactly one of until (ns since epoch) and by (a duration)")
        if by is not None:
            until_ns = self.time_ns + duration_ns(by, "advance by", allow_zero=True)
        else:
            until_ns = int(until)
            if until_ns < self.time_ns:
                raise ValueError(
                    f"advance until {until_ns} ns is before the current time {self.time_ns} ns"
                )
        self.start()
        while True:
            t0 = time.perf_counter()
            res = self._core.advance(until_ns)
            self.timing["core"] += time.perf_counter() - t0
            self.satellite_steps += res.steps * self.n_satellites
            if res.reason in (_core.StopReason.REACHED, _core.StopReason.WATCH):
                return res
            if res.reason == _core.StopReason.RECORDER_FULL:
                self.flush()
            elif res.reason == _core.StopReason.EPHEMERIS_NEEDED:
                self._refill_ephemeris(until_ns)
