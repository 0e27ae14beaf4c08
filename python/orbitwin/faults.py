"""Fault injection: SimPy processes that change the twin's parameters at exact
times, each logged as an event with its time, satellites and parameters.

A fault is a factory: ``fault(sim)`` returns the SimPy process. Register it on
a scenario with ``scenario.process(faults.attitude_loss(at="2h", target=...))``.
Targets pick satellites by index, by name, by plane or at random (seeded).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .master import Simulation
from .timeutil import NS_PER_S, duration_ns
from .twin import Fleet

FaultProcess = Callable[[Simulation], Generator[Any, Any, None]]
SECONDS_PER_YEAR = 365.25 * 86400.0


def counter_rng(seed: int, *key: str | int) -> np.random.Generator:
    """A counter-based generator (Philox) keyed by the seed and a stable key, so a draw
    never depends on the order in which other draws were made."""
    words = [int(seed) & 0xFFFFFFFF]
    for k in key:
        words.append(zlib.crc32(k.encode()) if isinstance(k, str) else int(k) & 0xFFFFFFFF)
    mixed = np.random.SeedSequence(words).generate_state(2, dtype=np.uint64)
    return np.random.Generator(np.random.Philox(key=mixed))


@dataclass(frozen=True)
class Target:
    """Which satellites of ``fleet`` a fault hits: give exactly one of ``index``
    (indices), ``names``, ``plane`` (plane numbers) or ``random`` (how many, drawn
    with the scenario seed); ``None`` for all of them."""

    fleet: str
    index: Sequence[int] | int | None = None
    names: Sequence[str] | str | None = None
    plane: Sequence[int] | int | None = None
    random: int | None = None

    def resolve(self, sim: Simulation, key: str = "") -> np.ndarray:
        """Satellite indices within the fleet (sorted, unique)."""
        try:
            fleet = sim.twin.fleet(self.fleet)
        except KeyError as exc:
            raise ValueError(f"fault target: {exc.args[0]}") from None
        given = [x is not None for x in (self.index, self.names, self.plane, self.random)]
        if sum(given) > 1:
            raise ValueError("fault target: give at most one of index, names, plane, random")
        n = fleet.size
        if self.index is not None:
            idx = np.atleast_1d(np.asarray(self.index, dtype=np.int64))
            bad = idx[(idx < 0) | (idx >= n)]
            if bad.size:
                raise ValueError(
                    f"fault target index {int(bad[0])} in fleet {fleet.name!r}; "
                    f"allowed: 0 to {n - 1}"
                )
        elif self.names is not None:
            wanted = [self.names] if isinstance(self.names, str) else list(self.names)
            lookup = {name: i for i, name in enumerate(fleet.names)}
            unknown = [w for w in wanted if w not in lookup]
            if unknown:
                raise ValueError(
                    f"fault target name {unknown[0]!r} is not in fleet {fleet.name!r}; "
                    f"allowed: names such as {', '.join(fleet.names[:3])}"
                )
            idx = np.array([lookup[w] for w in wanted], dtype=np.int64)
        elif self.plane is not None:
            planes = np.atleast_1d(np.asarray(self.plane, dtype=np.int64))
            idx = np.flatnonzero(np.isin(fleet.plane, planes))
            if idx.size == 0:
                raise ValueError(
                    f"fault target plane {planes.tolist()} has no satellites in fleet "
                    f"{fleet.name!r}; allowed: planes 0 to {int(fleet.plane.max())}"
                )
        elif self.random is not None:
            if not 0 < self.random <= n:
                raise ValueError(
                    f"fault target random={self.random} in fleet {fleet.name!r}; allowed: 1 to {n}"
                )
            rng = counter_rng(sim.seed, "target", fleet.name, key)
            idx = rng.choice(n, size=self.random, replace=False)
        else:
            idx = np.arange(n)
        return np.unique(idx)


def _fleet_and_targets(sim: Simulation, target: Target, key: str) -> tuple[Fleet, np.ndarray]:
    return sim.twin.fleet(target.fleet), target.resolve(sim, key)


def attitude_loss(
    at: float | str, target: Target, mode: str = "tumble", rate_deg_s: float = 2.0
) -> FaultProcess:
    """Loss of attitude control at ``at``: ``mode="tumble"`` spins the satellites from
    their current axes at ``rate_deg_s`` about a random (seeded) axis; ``"safe"``
    puts them in Sun-pointing safe mode."""
    if mode not in ("tumble", "safe"):
        raise ValueError(f"attitude_loss mode is {mode!r}; allowed: 'tumble' or 'safe'")
    if not (math.isfinite(rate_deg_s) and 0 < rate_deg_s <= 90):
        raise ValueError(f"attitude_loss rate_deg_s is {rate_deg_s!r}; allowed: 0 to 90 deg/s")
    at_ns = duration_ns(at, "fault time", allow_zero=True)

    def process(sim: Simulation) -> Generator[Any, Any, None]:
        yield sim.at(at_ns / NS_PER_S)
        fleet, sats = _fleet_and_targets(sim, target, f"attitude_loss@{at_ns}")
        if mode == "safe":
            fleet.param("attitude.mode")[sats] = 1
        else:
            axes = fleet.param("attitude.inertial_axes")
            axes[sats] = fleet.state("attitude.body_axes")[sats]
            rng = counter_rng(sim.seed, "tumble", fleet.name, at_ns)
            spin = rng.normal(size=(sats.size, 3))
            spin /= np.linalg.norm(spin, axis=1, keepdims=True)
            fleet.param("attitude.tumble_rate")[sats] = spin * math.radians(rate_deg_s)
            fleet.param("attitude.tumble_start")[sats] = sim.now_ns / NS_PER_S
            fleet.param("attitude.mode")[sats] = 3
        sim.log("attitude_loss", fleet.name, sats, f"mode={mode} rate_deg_s={rate_deg_s:g}")

    return process


def random_failures(
    fleet: str, rate_per_year: float, fault: Callable[[float, Target], FaultProcess], key: str
) -> FaultProcess:
    """Random failures of one component: each satellite fails at an exponential
    time with ``rate_per_year`` (drawn once, seeded by the scenario seed and ``key``);
    ``fault(at_s, target)`` makes the fault that each failure applies."""
    if not (math.isfinite(rate_per_year) and rate_per_year >= 0):
        raise ValueError(f"rate_per_year is {rate_per_year!r}; allowed: a finite rate >= 0")

    def process(sim: Simulation) -> Generator[Any, Any, None]:
        f = sim.twin.fleet(fleet)
        if rate_per_year == 0:
            return
        rng = counter_rng(sim.seed, "random_failures", f.name, key)
        onset_s = sim.now_ns / NS_PER_S + rng.exponential(SECONDS_PER_YEAR / rate_per_year, f.size)
        # One process walks the failures in time order (only those inside the run happen).
        for i in np.argsort(onset_s, kind="stable"):
            yield from fault(float(onset_s[i]), Target(fleet, index=[int(i)]))(sim)

    return process


def parameter_change(
    kind: str,
    at: float | str,
    target: Target,
    channel: str,
    *,
    factor: float | None = None,
    value: float | None = None,
) -> FaultProcess:
    """At ``at``, multiplies ``channel`` (a writable parameter) of the targets by
    ``factor`` or sets it to ``value``, and logs an event of ``kind``. The building
    block of the named faults below; unknown channels are an error at fault time."""
    if (factor is None) == (value is None):
        raise ValueError(f"{kind}: give exactly one of factor and value")
    for name, v in (("factor", factor), ("value", value)):
        if v is not None and not math.isfinite(v):
            raise ValueError(f"{kind} {name} is {v!r}; allowed: a finite number")
    at_ns = duration_ns(at, "fault time", allow_zero=True)

    def process(sim: Simulation) -> Generator[Any, Any, None]:
        yield sim.at(at_ns / NS_PER_S)
        fleet, sats = _fleet_and_targets(sim, target, f"{kind}@{at_ns}")
        if channel not in fleet.channels:
            raise ValueError(
                f"{kind}: fleet {fleet.name!r} has no parameter {channel!r} "
                "(does it have a design?)"
            )
        view = fleet.param(channel)
        if factor is not None:
            view[sats] = view[sats] * factor
            details = f"{channel} x {factor:g}"
        else:
            view[sats] = value
            details = f"{channel} = {value:g}"
        sim.log(kind, fleet.name, sats, details)

    return process


def _fraction(kind: str, name: str, v: float) -> None:
    if not (math.isfinite(v) and 0.0 <= v <= 1.0):
        raise ValueError(f"{kind} {name} is {v!r}; allowed: 0 to 1")


def radiator_degradation(at: float | str, target: Target, factor: float = 0.6) -> FaultProcess:
    """Radiator emissivity loss or damage: emissivity x ``factor`` (0..1)."""
    _fraction("radiator_degradation", "factor", factor)
    return parameter_change(
        "radiator_degradation", at, target, "radiator.emissivity", factor=factor
    )


def solar_array_degradation(at: float | str, target: Target, factor: float = 0.9) -> FaultProcess:
    """Solar cell degradation: array efficiency x ``factor`` (0..1)."""
    _fraction("solar_array_degradation", "factor", factor)
    return parameter_change(
        "solar_array_degradation", at, target, "power.array_efficiency", factor=factor
    )


def solar_array_string_loss(
    at: float | str, target: Target, strings_lost: int = 1, strings: int = 20
) -> FaultProcess:
    """Loss of ``strings_lost`` of the array's ``strings`` parallel strings: area shrinks."""
    if not (
        isinstance(strings, int) and isinstance(strings_lost, int) and 0 < strings_lost <= strings
    ):
        raise ValueError(
            f"solar_array_string_loss strings_lost={strings_lost!r} of strings={strings!r}; "
            "allowed: integers with 0 < strings_lost <= strings"
        )
    return parameter_change(
        "solar_array_string_loss", at, target, "power.array_area", factor=1 - strings_lost / strings
    )


def battery_fade(at: float | str, target: Target, factor: float = 0.9) -> FaultProcess:
    """Battery capacity fade (or cell loss): capacity x ``factor`` (0..1]."""
    _fraction("battery_fade", "factor", factor)
    if factor == 0:
        raise ValueError("battery_fade factor is 0; allowed: more than 0 (a battery is left)")
    return parameter_change("battery_fade", at, target, "power.battery_capacity", factor=factor)


def heater_stuck(at: float | str, target: Target, on: bool) -> FaultProcess:
    """A heater stuck on (its thermostat never opens) or off (no power)."""
    at_ns = duration_ns(at, "fault time", allow_zero=True)

    def process(sim: Simulation) -> Generator[Any, Any, None]:
        yield sim.at(at_ns / NS_PER_S)
        fleet, sats = _fleet_and_targets(sim, target, f"heater_stuck@{at_ns}")
        if "thermal.heater_power" not in fleet.channels:
            raise ValueError(f"heater_stuck: fleet {fleet.name!r} has no heaters")
        if on:
            off_above = fleet.param("thermal.heater_off_above")
            on_below = fleet.param("thermal.heater_on_below")
            # The thermostat closes below a temperature the node never reaches from above.
            off_above[sats] = 399.0
            on_below[sats] = 398.0
        else:
            fleet.param("thermal.heater_power")[sats] = 0.0
        sim.log("heater_stuck", fleet.name, sats, f"state={'on' if on else 'off'}")

    return process


def ground_station_outage(at: float | str, duration: float | str, station: str) -> FaultProcess:
    """Ground station ``station`` (by name) out of service from ``at`` for ``duration``."""
    at_ns = duration_ns(at, "fault time", allow_zero=True)
    dur_ns = duration_ns(duration, "outage duration")

    def process(sim: Simulation) -> Generator[Any, Any, None]:
        names = [s.name for s in sim.twin.stations]
        if station not in names:
            raise ValueError(
                f"ground_station_outage station {station!r} is not in the scenario; "
                f"allowed: {', '.join(names) or 'no stations defined'}"
            )
        k = names.index(station)
        yield sim.at(at_ns / NS_PER_S)
        sim.twin._core.set_station_enabled(k, False)
        sim.log("ground_station_outage", "", (), f"station={station} start")
        yield sim.timeout(dur_ns / NS_PER_S)
        sim.twin._core.set_station_enabled(k, True)
        sim.log("ground_station_outage", "", (), f"station={station} end")

    return process


def gradual(
    kind: str, fleet: str, channel: str, rate_per_year: float, every: float | str = "1d"
) -> FaultProcess:
    """Slow degradation: every ``every``, ``channel`` of the whole fleet is multiplied so
    that it falls by ``rate_per_year`` (a fraction, e.g. 0.1 for 10 %/yr) compounded."""
    _fraction(kind, "rate_per_year", rate_per_year)
    every_ns = duration_ns(every, "degradation interval")
    factor = (1.0 - rate_per_year) ** (every_ns / NS_PER_S / SECONDS_PER_YEAR)

    def process(sim: Simulation) -> Generator[Any, Any, None]:
        f = sim.twin.fleet(fleet)
        if channel not in f.channels:
            raise ValueError(f"{kind}: fleet {fleet!r} has no parameter {channel!r}")
        sim.log(
            kind,
            fleet,
            np.arange(f.size),
            f"{channel} falls {rate_per_year:g} per year, "
            f"compounded every {every_ns / NS_PER_S:g} s",
        )
        while True:
            yield sim.timeout(every_ns / NS_PER_S)
            view = f.param(channel)
            view *= factor

    return process
