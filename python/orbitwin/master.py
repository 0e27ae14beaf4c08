"""The co-simulation master: SimPy drives the core between events.

One SimPy process advances the core to ``min(next SimPy event, end, next
progress point)``; user processes (operations, faults) run between advances
and read or change the twin through its zero-copy views, so inputs are held
constant over a step and every event lands at its exact time (a mid-step
event shortens the step). Watches make the core return early at the end of
the first step where a threshold is crossed; the master turns that into a
SimPy event processes can wait on::

    hit = yield sim.when("compute", "sun.illumination", "<", 0.5)

The SimPy clock is the core's: integer nanoseconds since the epoch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from . import _core
from .timeutil import NS_PER_S, duration_ns
from .twin import Fleet, Twin


@dataclass(frozen=True)
class WatchHit:
    """What a fired watch reports: when, on which fleet, and which satellites."""

    time_ns: int
    fleet: str
    channel: str
    op: str
    threshold: float
    satellites: np.ndarray  #: indices within the fleet
    names: tuple[str, ...]


@dataclass(frozen=True)
class Event:
    """An entry of the run's event log (faults, watches, operations)."""

    time_ns: int
    kind: str
    fleet: str
    satellites: tuple[int, ...]
    details: str


@dataclass
class Simulation:
    """A twin, its SimPy environment and the run's event log.

    Scenario processes receive this object: ``sim.env`` (SimPy), ``sim.twin``,
    ``sim.timeout(duration)``, ``sim.at(time)``, ``sim.when(...)``, ``sim.log(...)``.
    """

    twin: Twin
    seed: int = 0
    env: simpy.Environment = field(init=False)
    events: list[Event] = field(default_factory=list)
    on_advance: Callable[[Twin], None] | None = None
    progress_every_ns: int = 3600 * NS_PER_S

    def __post_init__(self) -> None:
        self.env = simpy.Environment(initial_time=self.twin.time_ns)
        self._pending: dict[int, tuple[simpy.Event, str, str, float]] = {}
        self._sync_output: Callable[[], None] | None = None

    # ---- what processes use -------------------------------------------------
    @property
    def now_ns(self) -> int:
        return int(self.env.now)

    def fleet(self, name: str) -> Fleet:
        return self.twin.fleet(name)

    def timeout(self, duration: float | str) -> simpy.Event:
        """An event ``duration`` (seconds or text such as ``"90min"``) from now."""
        return self.env.timeout(duration_ns(duration, "timeout", allow_zero=True))

    def at(self, time: float | str) -> simpy.Event:
        """An event at ``time`` after the epoch (seconds or text); not before now."""
        t = duration_ns(time, "event time", allow_zero=True)
        if t < self.now_ns:
            raise ValueError(
                f"event time is {time!r} ({t / NS_PER_S} s after the epoch); allowed: not before "
                f"the current time ({self.now_ns / NS_PER_S} s after the epoch)"
            )
        return self.env.timeout(t - self.now_ns)

    def when(self, fleet: str, channel: str, op: str, threshold: float) -> simpy.Event:
        """An event that fires, with a :class:`WatchHit`, at the end of the first step
        where ``channel op threshold`` turns true for any satellite of ``fleet``."""
        watch_id = self.twin.add_watch(fleet, channel, op, threshold)
        event = self.env.event()
        self._pending[watch_id] = (event, channel, op, float(threshold))
        return event

    def sync_output(self) -> None:
        """Returns once every batch of frames handed to the run's writer so far is
        in the file and flushed (a no-op outside ``orbitwin run``). The output is
        written on a background thread while the core steps; a process that must
        know the file holds its frames (before an external tool reads it, say)
        calls this."""
        if self._sync_output is not None:
            self._sync_output()

    def process(self, generator: Generator[Any, Any, Any]) -> simpy.Process:
        return self.env.process(generator)

    def log(self, kind: str, fleet: str, satellites: Any = (), details: str = "") -> None:
        """Adds an entry to the run's event log at the current time."""
        sats = tuple(int(i) for i in np.atleast_1d(np.asarray(satellites, dtype=np.int64)))
        self.events.append(Event(self.now_ns, kind, fleet, sats, details))

    # ---- the master ---------------------------------------------------------
    def run(self, until_ns: int) -> None:
        """Runs every process and the core to ``until_ns`` [ns since epoch]."""
        if until_ns < self.now_ns:
            raise ValueError(f"run until {until_ns} ns is before now ({self.now_ns} ns)")
        done = self.env.process(self._master(until_ns))
        self.env.run(until=done)

    def _master(self, end_ns: int) -> Generator[simpy.Event, Any, None]:
        twin = self.twin
        twin.start()
        while True:
            now = self.now_ns
            if now >= end_ns:
                return
            nxt = self.env.peek()
            target = end_ns if math.isinf(nxt) else min(end_ns, int(nxt))
            target = min(target, (now // self.progress_every_ns + 1) * self.progress_every_ns)
            if target > now:
                res = twin.advance(target)
                if self.on_advance is not None:
                    self.on_advance(twin)
                yield self.env.timeout(res.time_ns - now)
                if res.reason == _core.StopReason.WATCH:
                    self._fire_watches()
            else:
                # Events are due now: let them run first (FIFO at equal times).
                yield self.env.timeout(0)

    def _fire_watches(self) -> None:
        for watch_id, fleet, sats in self.twin.watch_hits():
            pending = self._pending.pop(watch_id, None)
            self.twin.remove_watch(watch_id)
            if pending is None:
                continue
            event, channel, op, threshold = pending
            names = tuple(fleet.names[i] for i in sats)
            hit = WatchHit(self.now_ns, fleet.name, channel, op, threshold, sats, names)
            self.log("watch", fleet.name, sats, f"{channel} {op} {threshold:g}")
            event.succeed(hit)
